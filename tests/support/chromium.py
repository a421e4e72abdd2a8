"""Debian's Chromium and chromedriver with no way out: names resolve to nothing but the loopback
address, and any proxied request would go to a closed port. The page tests and the page
benchmark drive the same browser."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver


def offline_chromium(profile: Path, logs: Mapping[str, str], wait: float) -> WebDriver:
    """A headless Chromium with its own profile, keeping the logs named (`browser`,
    `performance`), waiting at most `wait` seconds for a page."""
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1200,800", f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",  # loopback itself is never proxied
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
    ):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", dict(logs))
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(wait)
    return driver
