"""Each page of the browser app, loaded cold in headless Chromium on the demo data.

Usage: python -m bench.pages [--runs 5] [--check] [--cpu-slowdown 4]
Starts `guichet serve --demo` as a process of its own (embedded PostgreSQL in a temporary data
directory, the tests' tokens, real HTTP on the loopback), waits until every projection has
applied the whole log, then loads each page of `tests/e2e/app_pages.PAGES` `--runs` times in
Debian's headless Chromium with its HTTP cache disabled (CDP `Network.setCacheDisabled`), and
prints, for each page:

- interactive: from navigation start (`performance.timeOrigin`) to the moment the main thread
  is first idle after the ready marker (`[data-ready]`) appeared: a script set before the page's
  own notes the marker's arrival from a MutationObserver, then asks for an animation frame (the
  marker painted) and in it for an idle callback (`requestIdleCallback`: no task left to run);
  the idle callback's `performance.now()` is the figure. The longest task (Long Tasks API) is
  printed beside it;
- bytes: the `transferSize` (compressed body and headers) of the navigation and every resource
  the page fetched up to then, summed, and the same from CDP (`Network.loadingFinished`'s
  `encodedDataLength`), as a check;
- requests: the navigation and the resources, counted.

Targets (issue 19): interactive < 1 s, first load < 300 KB compressed. `--check` exits 1 when a
page's median time or largest load is over target.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.app_pages import MARKER, PAGES, READY, Page, sign_in
from tests.support.chromium import offline_chromium
from tests.support.ports import free_port
from tests.support.tokens import TOKENS_SETTING

INTERACTIVE_MS = 1000
FIRST_LOAD_BYTES = 300_000
WAIT = 120.0
ADMIN = "admin-token"
WATCH = """(() => {
  const marks = (window.__pages = { ready: null, interactive: null, longest: 0 });
  try {
    new PerformanceObserver((list) => {
      for (const task of list.getEntries()) marks.longest = Math.max(marks.longest, task.duration);
    }).observe({ type: "longtask", buffered: true });
  } catch (unsupported) {}
  const observer = new MutationObserver(() => {
    if (marks.ready !== null || !document.querySelector(READY)) return;
    marks.ready = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => requestIdleCallback(() => {
      marks.interactive = performance.now();
    }));
  });
  observer.observe(document, {
    childList: true, subtree: true, attributes: true, attributeFilter: [MARKER],
  });
})();""".replace("READY", json.dumps(READY)).replace("MARKER", json.dumps(MARKER))
FIGURES = """const entries = [...performance.getEntriesByType("navigation"),
  ...performance.getEntriesByType("resource")];
return { ...window.__pages, requests: entries.length,
  bytes: entries.reduce((sum, e) => sum + e.transferSize, 0),
  decoded: entries.reduce((sum, e) => sum + e.decodedBodySize, 0) };"""


@dataclass(frozen=True)
class Load:
    ready: float  # ms from navigation start
    interactive: float
    longest_task: float
    requests: int
    bytes: int
    decoded: int
    cdp_bytes: int
    cdp_requests: int


def get_json(url: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (the loopback server)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.load(response)


@contextmanager
def demo_server() -> Iterator[str]:
    """`guichet serve --demo` on a fresh embedded PostgreSQL; yields its origin once every
    projection has applied the whole log, and prints how long that took."""
    with tempfile.TemporaryDirectory(prefix="guichet-pages-") as folder:
        port = free_port()
        environ = {key: value for key, value in os.environ.items()
                   if not key.startswith("GUICHET_")}  # fmt: skip
        environ |= {
            "GUICHET_DATA_DIR": str(Path(folder) / "data"),
            "GUICHET_HOST": "127.0.0.1",
            "GUICHET_PORT": str(port),
            "GUICHET_TOKENS": TOKENS_SETTING,
            # One browser asking as fast as it can, from one address.
            "GUICHET_RATE_LIMIT": "0",
        }
        guichet = Path(sys.executable).parent / "guichet"
        log_path = Path(folder) / "serve.log"
        started = time.perf_counter()
        with log_path.open("wb") as log:
            server = subprocess.Popen(  # noqa: S603 (this environment's own command)
                [str(guichet), "serve", "--demo"], env=environ, stdout=log, stderr=log
            )
            try:
                origin = f"http://127.0.0.1:{port}"
                answering = wait_for(lambda: healthy(origin), server, log_path)
                wait_for(lambda: caught_up(origin), server, log_path)
                print(f"serve --demo: answering after {answering - started:.1f}s, views caught up "
                      f"after {time.perf_counter() - started:.1f}s")  # fmt: skip
                for line in log_path.read_text(errors="replace").splitlines():
                    if "demo contacts:" in line or "demo directory:" in line:
                        print(f"  {line.strip()}")
                yield origin
            finally:
                server.terminate()
                server.wait(60)


def healthy(origin: str) -> bool:
    try:
        return bool(get_json(f"{origin}/health")["status"] == "ok")
    except OSError:
        return False


def caught_up(origin: str) -> bool:
    report = get_json(f"{origin}/health", ADMIN)
    return all(view["lag"] == 0 and not view["failing"] for view in report["projections"])


def wait_for(ready: Any, server: subprocess.Popen[bytes], log: Path) -> float:
    deadline = time.monotonic() + WAIT * 5
    while not ready():
        if server.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the server did not get ready:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)
    return time.perf_counter()


def chromium(profile: Path) -> WebDriver:
    """Debian's Chromium, as the tests drive it: no way out but the loopback address."""
    driver = offline_chromium(profile, {"performance": "ALL"}, WAIT)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    return driver


def network(driver: WebDriver) -> tuple[int, int]:
    """Bytes received (compressed, headers included) and requests finished, from CDP's log
    since the last call."""
    received = finished = 0
    for entry in driver.get_log("performance"):  # type: ignore[no-untyped-call]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.loadingFinished":
            received += int(message["params"]["encodedDataLength"])
            finished += 1
    return received, finished


def load(driver: WebDriver, origin: str, page: Page) -> Load:
    added = driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": sign_in(origin, page.token)}
    )
    try:
        driver.get("about:blank")
        network(driver)  # what came before this load
        driver.get(origin + page.path)
        WebDriverWait(driver, WAIT).until(
            lambda d: d.execute_script("return window.__pages.interactive !== null"),
            f"{page.name}: never ready",
        )
        figures = driver.execute_script(FIGURES)
        cdp_bytes, cdp_requests = network(driver)
    finally:
        driver.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]}
        )
    return Load(
        ready=figures["ready"], interactive=figures["interactive"],
        longest_task=figures["longest"], requests=figures["requests"], bytes=figures["bytes"],
        decoded=figures["decoded"], cdp_bytes=cdp_bytes, cdp_requests=cdp_requests,
    )  # fmt: skip


def report(page: Page, loads: list[Load]) -> bool:
    """Prints the page's row; whether it meets the targets."""
    times = [run.interactive for run in loads]
    median = statistics.median(times)
    heaviest = max(run.bytes for run in loads)
    last = loads[-1]
    print(
        f"| {page.name} | `{page.path}` | {page.token or 'public'} "
        f"| {median:.0f} ms ({min(times):.0f} to {max(times):.0f}) "
        f"| {statistics.median(run.ready for run in loads):.0f} ms "
        f"| {max(run.longest_task for run in loads):.0f} ms "
        f"| {heaviest / 1000:.1f} KB ({last.cdp_bytes / 1000:.1f} KB by CDP) "
        f"| {last.decoded / 1000:.1f} KB | {last.requests} ({last.cdp_requests} by CDP) |"
    )
    return median < INTERACTIVE_MS and heaviest < FIRST_LOAD_BYTES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="cold loads of each page")
    parser.add_argument("--check", action="store_true", help="exit 1 when a page is over target")
    parser.add_argument("--cpu-slowdown", type=float, default=1.0,
                        help="CDP CPU throttling rate (4: a mid-range phone)")  # fmt: skip
    args = parser.parse_args()
    with demo_server() as origin, tempfile.TemporaryDirectory() as profile:
        driver = chromium(Path(profile))
        try:
            driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": args.cpu_slowdown})
            version = driver.capabilities.get("browserVersion", "?")
            print(f"cores: {os.cpu_count()}, Chromium {version}, {args.runs} cold loads a page, "
                  f"CPU slowed down {args.cpu_slowdown:g}x")  # fmt: skip
            print("| page | URL | role | interactive: median (range) | ready marker "
                  "| longest task | first load, compressed | decoded | requests |")  # fmt: skip
            print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
            within = [report(page, [load(driver, origin, page) for _ in range(args.runs)])
                      for page in PAGES]  # fmt: skip
        finally:
            driver.quit()
    if args.check and not all(within):
        sys.exit(f"over target (interactive {INTERACTIVE_MS} ms, {FIRST_LOAD_BYTES:,} bytes)")


if __name__ == "__main__":
    main()
