"""The hostile clients of `bench.attack`, run in a process of their own so that reading their
large answers does not slow the legitimate counsellor's measurements.

Each client has its own loopback address (127.0.0.11 and up) and its own counsellor token, as
eight machines and eight stolen or malicious accounts would: per-caller limits apply to each.
"""

from __future__ import annotations

import asyncio
import json
import random
import string
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

from bench.interactions import RECORD, documents
from bench.load import SEARCH

TIMEOUT = 30.0  # one request; past it the client counts a timeout and opens a new connection
MOST_REQUESTS = 1_000_000  # per client, beside the time bound
IN_FLIGHT = 90  # WebSocket messages unanswered, per socket (strawberry refuses past 100)
PROTOCOL = Subprotocol("graphql-transport-ws")
ALIAS = ("territories { ... on TerritoryList { nodes { code name parent { code name } "
         "ancestors { code name } } } }")  # fmt: skip
TERRITORIES = "query {\n" + "\n".join(f"  t{index}: {ALIAS}" for index in range(30)) + "\n}"
FREE_FORM = [
    'query { searchServices(text: "aide", first: 5) { __typename } }',
    'mutation { registerOrganization(input: {name: {fr: "Organisme"}}) { __typename } }',
    "query { territories { ... on TerritoryList { nodes { code } } } }",
]
ATTACKS = ("1 large contacts", "4 territories HTTP", "4 territories WS", "5 anonymous WS",
           "5 anonymous WS", "6 long searches", "1 large contacts", "6 long searches")  # fmt: skip


def address(client: int) -> str:
    return f"127.0.0.{11 + client}"


def token(client: int) -> str:
    return f"hostile-{client}-token"


def tokens_setting(clients: int) -> str:
    return ",".join(f"hostile{c}:counsellor:{token(c)}" for c in range(clients))


class Http:
    """A keep-alive HTTP/1.1 connection from a chosen loopback address."""

    def __init__(self, port: int, source: str, bearer: str | None) -> None:
        self.port, self.source, self.bearer = port, source, bearer
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(
                "127.0.0.1", self.port, local_addr=(self.source, 0), limit=2**20
            )
        reader, writer = self.streams
        auth = f"Authorization: Bearer {self.bearer}\r\n" if self.bearer else ""
        writer.write(
            (f"POST /graphql HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
             f"{auth}Content-Length: {len(body)}\r\n\r\n").encode() + body
        )  # fmt: skip
        head = await reader.readuntil(b"\r\n\r\n")
        status, *lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in lines if ": " in line)
        payload = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            self.close()
        return int(status.split()[1]), payload

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


def outcome(status: int, payload: bytes) -> str:
    """answered, refused (a 4xx or an expected error) or failed (a 5xx or a masked error).
    Over WebSocket, each document's result is counted: ran, refused or failed."""
    if status >= 500:
        return "failed"
    if status >= 400:
        return "refused"
    if b"Unexpected error" in payload[:100_000] or b"DATABASE_UNAVAILABLE" in payload[:100_000]:
        return "failed"
    start = payload[:2_000]
    return "refused" if b'"errors"' in start or b'Error"' in start else "answered"


async def http_attack(
    port: int, client: int, deadline: float, counts: Counter[str],
    body: Callable[[int], bytes],
) -> None:  # fmt: skip
    connection = Http(port, address(client), token(client))
    sent = 0
    while time.monotonic() < deadline and sent < MOST_REQUESTS:
        sent += 1
        try:
            status, payload = await asyncio.wait_for(
                connection.post(body(sent)), min(TIMEOUT, max(deadline - time.monotonic(), 0.1))
            )
            found = outcome(status, payload)
            counts[found] += 1
            note(counts, found, f"{status} {payload[:160]!r}")
        except TimeoutError:
            counts["timed out" if time.monotonic() < deadline else "cut at the end"] += 1
            connection.close()
        except (OSError, asyncio.IncompleteReadError, ValueError):
            counts["connection lost"] += 1
            connection.close()
            await asyncio.sleep(0.1)
    connection.close()


def large_contacts(client: int) -> Callable[[int], bytes]:
    """Attack 1: a 400,000-character counsellor, or 250 needs of 1,900-character information."""
    base = documents(1)[0]
    code = base["needs"][0]["code"]

    def body(number: int) -> bytes:
        contact = dict(base, key=f"hostile-{client}-{number}")
        if number % 2:
            contact["counsellor"] = "c" * 400_000
        else:
            contact["needs"] = [{"code": code, "referralServiceIds": [], "information": "i" * 1_900}
                                for _ in range(250)]  # fmt: skip
        return json.dumps({"query": RECORD, "variables": {"input": contact}}).encode()

    return body


def long_search(client: int) -> Callable[[int], bytes]:
    """Attack 6: 8,000 words the directory does not know."""
    rng = random.Random(client)

    def body(number: int) -> bytes:
        words = ("".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 8)))
                 for _ in range(8_000))  # fmt: skip
        return json.dumps({"query": SEARCH, "variables": {"text": " ".join(words)}}).encode()

    return body


async def websocket_attack(
    port: int, client: int, deadline: float, counts: Counter[str], bearer: str | None,
    documents: list[str],
) -> None:  # fmt: skip
    """Attacks 4 (over WebSocket) and 5: subscribe messages as fast as the socket takes them,
    at most IN_FLIGHT unanswered."""
    sent = 0
    while time.monotonic() < deadline and sent < MOST_REQUESTS:
        try:
            async with asyncio.timeout(max(deadline - time.monotonic(), 0.1)):
                async with connect(
                    f"ws://127.0.0.1:{port}/graphql", subprotocols=[PROTOCOL], max_size=None,
                    open_timeout=TIMEOUT, close_timeout=1, local_addr=(address(client), 0),
                ) as ws:  # fmt: skip
                    payload = {"authorization": f"Bearer {bearer}"} if bearer else {}
                    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
                    await asyncio.wait_for(ws.recv(), TIMEOUT)
                    sent = await _flood(ws, documents, counts, sent, deadline)
        except TimeoutError:
            counts["timed out" if time.monotonic() < deadline else "cut at the end"] += 1
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else 1006
            counts[f"closed {code}"] += 1
            await asyncio.sleep(0.1)
        except (OSError, InvalidHandshake):
            counts["connection lost"] += 1
            await asyncio.sleep(0.1)


async def _flood(
    ws: ClientConnection, documents: list[str], counts: Counter[str], sent: int,
    deadline: float,
) -> int:  # fmt: skip
    room = asyncio.Semaphore(IN_FLIGHT)

    async def read() -> None:
        async for message in ws:
            parsed = json.loads(message)
            kind = parsed.get("type")
            if kind in ("complete", "error"):
                if kind == "error":
                    counts["refused"] += 1
                    note(counts, "refused", str(message)[:160])
                room.release()
            elif kind == "next":
                # A document run: its data, or a refusal in the errors of a result.
                found = (
                    "failed"
                    if b"Unexpected error" in _bytes(message)
                    else ("ran" if (parsed.get("payload") or {}).get("data") else "refused")
                )
                counts[found] += 1
                note(counts, found, str(message)[:160])

    reader = asyncio.create_task(read())
    try:
        # The deadline is checked here too: on Python 3.11 `wait_for` can swallow the outer
        # timeout's cancellation, and a socket whose refusals come back at once never waits.
        while sent < MOST_REQUESTS and time.monotonic() < deadline:
            if reader.done():
                reader.result()  # raises why the socket ended
                return sent
            try:
                async with asyncio.timeout(TIMEOUT):
                    await room.acquire()
            except TimeoutError:
                counts["timed out"] += 1  # no answer for TIMEOUT seconds
                return sent
            sent += 1
            document = documents[sent % len(documents)]
            await ws.send(json.dumps({"id": str(sent), "type": "subscribe",
                                      "payload": {"query": document}}))  # fmt: skip
        return sent
    finally:
        reader.cancel()


SAMPLES: dict[int, dict[str, str]] = {}  # by id of an attack's counts: an answer of each kind


def note(counts: Counter[str], kind: str, sample: str) -> None:
    if kind in ("refused", "failed"):
        SAMPLES.setdefault(id(counts), {}).setdefault(f"first {kind}", sample)


def _bytes(message: str | bytes) -> bytes:
    return message.encode() if isinstance(message, str) else message


async def attack(port: int, seconds: float, clients: int) -> dict[str, dict[str, Any]]:
    """`clients` hostile clients for `seconds`: how many requests of each attack ended each
    way, and for a refusal or a failure, the first answer of that kind."""
    deadline = time.monotonic() + seconds
    results: dict[str, Counter[str]] = {name: Counter() for name in ATTACKS}
    territories = json.dumps({"query": TERRITORIES}).encode()
    runs: list[Awaitable[None]] = []
    for client in range(clients):
        name = ATTACKS[client % len(ATTACKS)]
        counts = results[name]
        if name.startswith("1 "):
            runs.append(http_attack(port, client, deadline, counts, large_contacts(client)))
        elif name == "4 territories HTTP":
            runs.append(http_attack(port, client, deadline, counts, lambda _: territories))
        elif name == "4 territories WS":
            runs.append(websocket_attack(port, client, deadline, counts, token(client),
                                         [TERRITORIES]))  # fmt: skip
        elif name.startswith("5 "):
            runs.append(websocket_attack(port, client, deadline, counts, None, FREE_FORM))
        else:
            runs.append(http_attack(port, client, deadline, counts, long_search(client)))
    try:
        # Every loop stops at the deadline; a request in flight then has TIMEOUT to end.
        await asyncio.wait_for(asyncio.gather(*runs, return_exceptions=True), seconds + TIMEOUT)
    except TimeoutError:
        for counts in results.values():
            counts["stopped by the bench"] = 1
    return {name: {**counts, **SAMPLES.get(id(counts), {})} for name, counts in results.items()}


def run_in_process(port: int, seconds: float, clients: int, report: Any) -> None:
    """The target of the attackers' process: sends the outcomes through `report` (a pipe)."""
    report.send(asyncio.run(attack(port, seconds, clients)))
    report.close()
