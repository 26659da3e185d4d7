"""A real headless Chromium for the page tests (Debian's chromium, driven by Playwright; Playwright's own browser
download is not used): where it is, and a page that records every request it makes outside the allowed origin."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

CHROMIUM = next(
    (
        p
        for p in (
            os.environ.get("MT_CHROMIUM"),
            shutil.which("chromium"),
            shutil.which("chromium-browser"),
            "/usr/bin/chromium",
        )
        if p and Path(p).exists()
    ),
    None,
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium here (apt-get install chromium; .ci/run does)"
)


@contextmanager
def watched_page(
    sync_api, allowed: Callable[[str], bool], width: int = 1200, height: int = 1400
) -> Iterator[tuple[object, object, list[str]]]:
    """(browser, page, outside): a page of a new headless Chromium whose requests to URLs ``allowed`` rejects are
    listed in ``outside``; the browser is closed on the way out."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            outside: list[str] = []
            page.on("request", lambda request: None if allowed(request.url) else outside.append(request.url))
            yield browser, page, outside
        finally:
            browser.close()


def keep_screenshot(tmp_path: Path, name: str, as_name: str | None = None) -> None:
    """Copy a screenshot the test took to $MT_SCREENSHOT_DIR, when set."""
    if os.environ.get("MT_SCREENSHOT_DIR"):
        shutil.copy(tmp_path / name, Path(os.environ["MT_SCREENSHOT_DIR"]) / (as_name or name))
