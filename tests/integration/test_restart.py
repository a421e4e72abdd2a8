"""Stopping `guichet serve` and `guichet project` by SIGTERM or SIGHUP: they stop cleanly, stop
the embedded PostgreSQL they started, and a restart on the same port works at once, while the
stopped server's connections still wait in TIME_WAIT."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.e2e.test_command import GUICHET, clean_env, serve, wait_healthy
from tests.support.ports import free_port


def postmaster(data_dir: Path) -> psutil.Process:
    pid = int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    return psutil.Process(pid)


def alive(process: psutil.Process) -> bool:
    """A process that ended is a zombie until its parent (whichever adopted it) reaps it."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def in_time_wait(port: int) -> int:
    return sum(
        1
        for connection in psutil.net_connections("tcp")
        if connection.laddr and connection.laddr.port == port
        and connection.status == psutil.CONN_TIME_WAIT
    )  # fmt: skip


def stop_with(process: subprocess.Popen[str], signum: int) -> str:
    process.send_signal(signum)
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"guichet did not stop on signal {signum}") from None
    assert process.returncode == 0, output
    assert "Traceback" not in output, output
    return output


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_serve_restarts_at_once_on_the_same_port(tmp_path: Path, signum: int) -> None:
    data_dir, port = tmp_path / "data", free_port()
    first = serve(data_dir, port, "--no-projections")
    try:
        wait_healthy(port, first)
        database = postmaster(data_dir)
        # Keep-alive connections, still open when the server stops: it closes them first,
        # so its side of each waits in TIME_WAIT.
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(5):
                assert client.get("/health").status_code == 200
            stop_with(first, signum)
    finally:
        if first.poll() is None:
            first.kill()
    assert in_time_wait(port) > 0, "the test must restart while connections are in TIME_WAIT"
    assert not alive(database), "the embedded PostgreSQL outlived the server"

    second = serve(data_dir, port, "--no-projections")
    try:
        wait_healthy(port, second)
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    finally:
        stop_with(second, signal.SIGTERM)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_project_stops_its_embedded_server(tmp_path: Path, signum: int) -> None:
    data_dir = tmp_path / "data"
    process = subprocess.Popen(
        [GUICHET, "project", "directory"],
        env=clean_env(GUICHET_DATA_DIR=str(data_dir)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "running projections: directory" in line:
                break
        database = postmaster(data_dir)
        stop_with(process, signum)
    finally:
        if process.poll() is None:
            process.kill()
    assert not alive(database)


def test_a_server_sharing_the_data_directory_keeps_it_after_the_other_hangs_up(
    tmp_path: Path,
) -> None:
    data_dir, first_port, second_port = tmp_path / "data", free_port(), free_port()
    first = serve(data_dir, first_port, "--no-projections")
    second = None
    try:
        wait_healthy(first_port, first)
        second = serve(data_dir, second_port, "--no-projections")
        wait_healthy(second_port, second)
        database = postmaster(data_dir)
        stop_with(first, signal.SIGHUP)
        assert alive(database), "the second server still uses it"
        assert httpx.get(f"http://127.0.0.1:{second_port}/health").json()["status"] == "ok"
        stop_with(second, signal.SIGHUP)
        assert not alive(database), "the last one out stops it"
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()


@pytest.mark.parametrize("reaped", [True, False])
def test_the_last_server_out_stops_the_database_though_the_first_was_killed(
    tmp_path: Path, reaped: bool
) -> None:
    """Killed outright, the first never leaves; not yet reaped by its parent, it is a zombie,
    whose pid still exists."""
    data_dir, first_port, second_port = tmp_path / "data", free_port(), free_port()
    first = serve(data_dir, first_port, "--no-projections")
    second = None
    try:
        wait_healthy(first_port, first)
        second = serve(data_dir, second_port, "--no-projections")
        wait_healthy(second_port, second)
        database = postmaster(data_dir)
        first.kill()  # never leaves: the database still counts it as a user
        if reaped:
            first.wait(30)
        else:  # it dies, and stays a zombie: nobody waits for it yet
            deadline = time.monotonic() + 10
            while psutil.Process(first.pid).status() != psutil.STATUS_ZOMBIE:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert httpx.get(f"http://127.0.0.1:{second_port}/health").json()["status"] == "ok"
        stop_with(second, signal.SIGTERM)
        assert not alive(database), "the last live server out stops it"
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()


def test_a_stop_while_starting_leaves_no_embedded_server(tmp_path: Path) -> None:
    """Whatever the moment of the signal, the process leaves and takes its server with it."""
    data_dir = tmp_path / "data"
    process = serve(data_dir, free_port())
    deadline = time.monotonic() + 30
    while not (data_dir / "postgres" / "postmaster.pid").exists():
        assert time.monotonic() < deadline, "the embedded server did not start"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert "Traceback" not in output, output
    try:
        database = postmaster(data_dir)
    except (FileNotFoundError, psutil.NoSuchProcess):
        return  # stopped, and its pid file removed
    assert not alive(database), output


def test_serve_with_workers_stops_them_and_its_server_on_sighup(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    process = serve(data_dir, port, "--no-projections", "--workers", "2")
    try:
        wait_healthy(port, process)
        database = postmaster(data_dir)
        workers = psutil.Process(process.pid).children()
        stop_with(process, signal.SIGHUP)
    finally:
        if process.poll() is None:
            process.kill()
    assert not alive(database)
    # Besides the workers, multiprocessing's resource tracker: it leaves once it reads the end
    # of its pipe from the stopped supervisor, a moment later.
    _, left = psutil.wait_procs(workers, timeout=15)
    assert not [worker for worker in left if alive(worker)]


def test_a_closed_terminal_stops_serve_and_its_workers_gracefully(tmp_path: Path) -> None:
    """A hang-up reaches the whole process group: the supervisor and each worker."""
    data_dir, port, log = tmp_path / "data", free_port(), tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [GUICHET, "serve", "--no-projections", "--workers", "2"],
            env=clean_env(GUICHET_DATA_DIR=str(data_dir), GUICHET_PORT=str(port)),
            stdout=out, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
    try:
        wait_healthy(port, process)
        # One worker answering is not both started: the hang-up must reach two.
        deadline = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < 2:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        database = postmaster(data_dir)
        os.killpg(process.pid, signal.SIGHUP)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = log.read_text()
    assert process.returncode == 0, output
    assert "Traceback" not in output, output
    assert output.count("Finished server process") == 2, output
    assert not alive(database)
