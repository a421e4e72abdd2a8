"""How `guichet serve` and `project` stop on SIGTERM, SIGHUP and SIGINT: always through their
`with opened(...)` block, so the pools close and the embedded PostgreSQL they started stops
(when no other process still uses it).

Python's default action for SIGTERM and SIGHUP ends the process at once, with no cleanup:
the embedded server then outlives it.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType

Handler = Callable[[int, FrameType | None], None]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class Stopped(BaseException):
    """A stop signal arrived while the process was starting. A BaseException, as
    KeyboardInterrupt is, so that no `except Exception` on the way swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped on signal {signum}")
        self.signum = signum


def unwind(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


def on_stop_signals(handler: Handler) -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, handler)


def hangup_as_terminate(signum: int, frame: FrameType | None) -> None:
    """For a server whose SIGTERM handler stops it gracefully (uvicorn's, the workers'
    supervisor's) and which knows nothing of SIGHUP."""
    signal.raise_signal(signal.SIGTERM)
