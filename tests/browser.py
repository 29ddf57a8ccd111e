"""A local page in headless Chromium with every outside request blocked: the browser checks' one start.

Debian's ``chromium`` driven by Playwright (``executable_path``; Playwright's
own browser download cannot work here). ``nox -s tests`` installs chromium
and a Korean font with apt-get where it runs as root; elsewhere a missing
chromium skips the test with the reason (a failure under ``CI=true``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page, Route, sync_playwright

from tests.environment import require_tool

LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
# As the machine's own probe starts it: no background services calling home.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@dataclass
class PageWatch:
    """What the page did: requests that would have left it, console errors."""

    page: Page
    outside_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@contextmanager
def open_page(path: Path, wait_for_text: str, what: str) -> Iterator[PageWatch]:
    """``path`` opened in Chromium, once ``wait_for_text`` shows; what it did is watched."""
    chromium = require_tool(
        "chromium",
        f"{what} (apt-get install chromium fonts-noto-cjk; nox -s tests does it as root)",
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        watch = PageWatch(page)

        def block_outside(route: Route) -> None:
            if route.request.url.startswith(LOCAL_SCHEMES):
                route.continue_()
            else:
                watch.outside_requests.append(route.request.url)
                route.abort()

        def record_console_error(message: ConsoleMessage) -> None:
            if message.type == "error":
                watch.console_errors.append(message.text)

        context.route("**/*", block_outside)
        page.on("console", record_console_error)
        page.on("pageerror", lambda error: watch.console_errors.append(str(error)))
        page.goto(path.as_uri())
        page.get_by_text(wait_for_text).first.wait_for(timeout=30_000)
        try:
            yield watch
        finally:
            browser.close()
