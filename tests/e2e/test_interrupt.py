"""Ctrl-C while the command's modules still import (its first second) ends it as Ctrl-C ends
any command: one line and exit code 130, not a traceback and a death by signal."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.e2e.test_command import GUICHET, clean_env


def test_ctrl_c_while_the_modules_import_is_one_line(tmp_path: Path) -> None:
    """`guichet schema --output FIFO` imports its modules, builds the schema, then waits for
    a reader of the FIFO that never comes: an interrupt at any moment finds it running."""
    fifo = tmp_path / "schema.graphql"
    os.mkfifo(fifo)
    for delay in (0.2, 0.5, 4.0):  # importing takes about a second; the interpreter 0.05 s
        process = subprocess.Popen(
            [GUICHET, "schema", "--output", str(fifo)], env=clean_env(), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert (process.returncode, out, err) == (130, "", "guichet: interrupted\n"), delay
