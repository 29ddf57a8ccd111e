"""The published HTML reference in a real browser: headless Chromium, every outside request blocked.

Debian's ``chromium`` driven by Playwright (``executable_path``; Playwright's
own browser download cannot work here). ``nox -s tests`` installs chromium
and a Korean font with apt-get where it runs as root; elsewhere a missing
chromium skips this test with the reason (a failure under ``CI=true``).
The screenshot and the first-paint figure go to ``reports/docs/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import crm_contract
from publishing.code_samples import LANGUAGES, request_example_summaries, request_examples
from tests.browser import PageWatch, open_page

SPEC = crm_contract.document()
REPORTS = Path(__file__).resolve().parents[2] / "reports" / "docs"


@pytest.fixture(scope="module")
def reference(published_docs: Path) -> Iterator[PageWatch]:
    with open_page(
        published_docs / "index.html",
        SPEC["info"]["title"],
        "the browser test of the HTML reference",
    ) as watch:
        yield watch


def operations() -> list[dict[str, Any]]:
    return [op for item in SPEC["paths"].values() for op in item.values()]


def string_values(node: object) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in string_values(value)]
    if isinstance(node, list):
        return [text for value in node for text in string_values(value)]
    return [node] if isinstance(node, str) else []


def test_both_operations_and_every_sample_of_every_language_are_shown(reference: PageWatch) -> None:
    page = reference.page
    markers = {"curl": "openssl dgst", "Node.js": "createHmac", "Python": "create_client"}
    for operation in operations():
        summary = str(operation["summary"])
        page.get_by_role("link", name=summary).first.click()
        heading = page.get_by_role("heading", name=summary).first
        heading.wait_for(state="visible", timeout=10_000)
        section = page.locator("section", has=heading).first
        picker = section.get_by_test_id("client-picker").first
        code = picker.locator("xpath=ancestor::*[.//pre][1]").locator("pre").first
        summaries = request_example_summaries(operation)
        for name, body in request_examples(operation).items():
            for language in LANGUAGES:
                label = f"{language.label}: {summaries[name]}"
                picker.click()
                page.get_by_role("option", name=label, exact=True).click()
                shown = code.inner_text()
                assert markers[language.label] in shown, label
                for text in string_values(body):
                    assert text in shown, f"{label}: {text!r} not shown"


def test_korean_text_is_rendered_with_real_glyphs(reference: PageWatch) -> None:
    page = reference.page
    assert page.get_by_text("레코드 일괄 삭제").first.is_visible()
    # The same glyph-less code point draws the font's "tofu" box: a Hangul
    # syllable drawn identically has no font either.
    drawn = page.evaluate(
        """() => ['삭', '속', '\\u{10FFFD}'].map((text) => {
            const canvas = document.createElement('canvas');
            canvas.width = 64; canvas.height = 64;
            const context = canvas.getContext('2d');
            context.font = '48px sans-serif';
            context.fillText(text, 4, 52);
            return canvas.toDataURL();
        })"""
    )
    hangul_1, hangul_2, missing = drawn
    assert hangul_1 != missing
    assert hangul_2 != missing
    assert hangul_1 != hangul_2


def test_nothing_leaves_the_page_and_the_console_is_clean(
    reference: PageWatch, published_docs: Path
) -> None:
    page = reference.page
    # Fonts are what an online page fetches last; then give late requests a moment.
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_timeout(1000)
    first_paint = page.evaluate(
        "performance.getEntriesByType('paint').map((e) => [e.name, e.startTime])"
    )
    REPORTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=REPORTS / "reference.png", full_page=False)
    metrics = {
        "page_bytes": (published_docs / "index.html").stat().st_size,
        "paint_ms": dict(first_paint),
        "outside_requests": reference.outside_requests,
        "console_errors": reference.console_errors,
    }
    (REPORTS / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"docs page: {metrics['page_bytes']:,} B, paint {metrics['paint_ms']}")
    assert reference.outside_requests == []
    assert reference.console_errors == []
