"""The port check before serving: a server listening refuses, a server just stopped does not."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from infra.cli.common import CommandError
from infra.cli.serving import bind_refusal, check_port_free


def test_a_port_a_server_listens_on_is_refused_naming_it() -> None:
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        with pytest.raises(CommandError, match=f"cannot listen on 127.0.0.1:{port}"):
            check_port_free("127.0.0.1", port)


def test_a_port_just_released_with_connections_in_time_wait_is_free() -> None:
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its end waits in TIME_WAIT
        client.recv(1)
        client.close()

    check_port_free("127.0.0.1", port)


def test_a_low_port_refused_to_an_unprivileged_user_names_the_port_setting() -> None:
    refused = OSError(errno.EACCES, "Permission denied")
    line = bind_refusal("127.0.0.1", 80, refused)
    assert line.startswith("cannot listen on 127.0.0.1:80: ports below 1024 need privileges")
    assert "--port (or GUICHET_PORT)" in line
    assert "--host" not in line


def test_a_refusal_on_a_high_port_is_still_about_the_address() -> None:
    line = bind_refusal("10.9.9.9", 8211, OSError(errno.EACCES, "Permission denied"))
    assert "Permission denied; set --host (or GUICHET_HOST)" in line
    assert "below 1024" not in line


def test_the_kernel_s_refusal_of_a_low_port_to_a_user_gives_that_line() -> None:
    """Checked as a user without privileges (nobody's uid when the tests run as root)."""
    probe = "from infra.cli.serving import check_port_free; check_port_free('127.0.0.1', 80)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=30,
        user=65534 if os.geteuid() == 0 else None, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert done.returncode != 0
    assert "CommandError: cannot listen on 127.0.0.1:80: ports below 1024" in done.stderr
