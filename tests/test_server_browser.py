"""The web page in a real headless Chromium (Debian's chromium driven by Playwright): type Arabic, get a
translation with the glossary's terms highlighted in source and translation, upload a file and download its
translation, add a glossary concept (admin key) and see it enforced. A screenshot is kept in the test's tmp dir
(and copied to $MT_SCREENSHOT_DIR when set)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from tests.browser_support import keep_screenshot, needs_chromium, watched_page
from tests.test_server_support import ALIBABA, flores, glossary_copy, live_server, make_translator

pytest.importorskip("fastapi", reason="the server extra is not installed (pip install -e '.[server]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the dev extra) is not installed")

from mt.glossary import Glossary  # noqa: E402
from mt.server import GlossaryStore, ServerOptions, create_app  # noqa: E402
from mt.server.keys import KeyStore  # noqa: E402


@needs_chromium
def test_page_translates_highlights_uploads_and_adds_a_concept(tiny_ending_ct2, tmp_path):
    glossary_path = glossary_copy(tmp_path)
    keys = KeyStore(tmp_path / "keys.sqlite")
    admin = keys.add("editor", admin=True)
    app = create_app(
        make_translator(tiny_ending_ct2),
        GlossaryStore([glossary_path]),
        ServerOptions(api_keys=tmp_path / "keys.sqlite"),
    )
    upload = tmp_path / "note.txt"
    upload.write_text("\n".join(flores(2)) + "\n", encoding="utf-8")
    with live_server(app) as base, watched_page(sync_api, lambda url: url.startswith(base)) as (browser, page, outside):
        page.goto(base + "/")
        page.wait_for_selector("body[data-ready=true]")
        page.fill("#api-key", admin)

        # 1. type Arabic, translate into Chinese: the glossary term is highlighted on both sides
        assert page.get_attribute("#source", "dir") == "rtl"
        page.fill("#source", ALIBABA)
        page.select_option("#target", "zh")
        page.focus("#translate-button")
        page.keyboard.press("Enter")
        page.wait_for_selector("#output .term")
        assert page.evaluate("document.activeElement.id") == "translate-button"  # focus kept for the keyboard
        source_term = page.locator("#source-view .term").first
        assert source_term.inner_text() == "مجموعة علي بابا"
        assert source_term.get_attribute("data-status") in ("verified", "enforced")
        assert page.locator("#output .term").first.inner_text() in ("阿里巴巴", "阿里巴巴集团")
        assert page.locator("#terms tbody tr").count() == 1
        page.screenshot(path=str(tmp_path / "page.png"), full_page=True)

        # 2. upload a file, follow the download link
        page.set_input_files("#file", str(upload))
        page.click("#file-button")
        page.wait_for_selector("#download-link")
        href = page.get_attribute("#download-link", "href")
        with urllib.request.urlopen(href, timeout=60) as response:
            translated = response.read().decode("utf-8")
        assert translated.count("\n") == 2 and all(translated.splitlines())

        # 3. add a concept through the form; it is in the table, in the file, and enforced next time
        page.fill("#concept-form [name=ar]", "شركة تارجاما")
        page.fill("#concept-form [name=en]", "Tarjama Company")
        page.fill("#concept-form [name=zh]", "塔尔贾马公司")
        page.click("#concept-button")
        page.wait_for_selector("#concepts tr[data-id=tarjama-company]")
        assert "Added tarjama-company" in page.inner_text("#concept-status")
        assert "tarjama-company" in Glossary.load(glossary_path)
        page.click("#edit-button")
        page.fill("#source", "قال المتحدث باسم شركة تارجاما إن النتائج جيدة.")
        page.select_option("#target", "en")
        page.click("#translate-button")
        page.wait_for_selector("#output .term")
        assert page.locator("#output .term").first.inner_text() == "Tarjama Company"
        page.screenshot(path=str(tmp_path / "page-after-add.png"), full_page=True)
        check_phone_width(browser, base, admin, tmp_path)
        check_docs_page(browser, base, tmp_path)
    assert not outside, outside  # nothing fetched from anywhere but the server
    assert (tmp_path / "page.png").stat().st_size > 10_000
    for name in ("page.png", "page-phone.png", "docs.png"):
        keep_screenshot(tmp_path, name, f"serve-{name}")


def check_phone_width(browser, base: str, key: str, tmp_path: Path) -> None:
    """At 390 px (a phone) nothing is wider than the screen, and the glossary table fits it (no column cut)."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(base + "/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#api-key", key)
    page.dispatch_event("#api-key", "change")
    page.wait_for_selector("#concepts tbody tr")
    page.fill("#source", ALIBABA)
    page.click("#translate-button")
    page.wait_for_selector("#output .term")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wrap = page.eval_on_selector(".table-wrap", "e => [e.scrollWidth, e.clientWidth]")
    assert wrap[0] <= wrap[1], wrap
    page.screenshot(path=str(tmp_path / "page-phone.png"), full_page=True)
    page.close()


def check_docs_page(browser, base: str, tmp_path: Path) -> None:
    """/docs lists the endpoints from /openapi.json, with nothing fetched from outside."""
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    outside = []
    page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    page.goto(base + "/docs")
    page.wait_for_selector("body[data-ready=true]")
    assert "POST /translate" in page.inner_text("main") and "POST /v1/translate" in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "docs.png"), full_page=False)
    assert not outside, outside
    page.close()
