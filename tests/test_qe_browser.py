"""Quality estimation seen in a real headless Chromium (Debian's chromium driven by Playwright, as
tests/test_server_browser.py does): the `mt serve` page lists the sentences quality estimation flagged, each with
its risk and reasons, exactly those of the server's answer, and marks them in the source and translation views; the review page that `mt translate --report FILE.html`
writes shows its rows sorted by risk, and its kind filter hides and shows them. Screenshots are kept in the
test's tmp dir (and copied to $MT_SCREENSHOT_DIR when set); nothing is fetched from outside."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import keep_screenshot, needs_chromium, watched_page
from tests.conftest import SEEDS
from tests.test_server_support import live_server, make_translator

pytest.importorskip("fastapi", reason="the server extra is not installed (pip install -e '.[server]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the dev extra) is not installed")

from mt.server import GlossaryStore, ServerOptions, create_app  # noqa: E402

AR = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").splitlines()
EN = (SEEDS / "article.en.txt").read_text(encoding="utf-8").splitlines()


@needs_chromium
def test_serve_page_lists_the_flagged_sentences_and_why(tiny_ending_ct2, tmp_path):
    app = create_app(make_translator(tiny_ending_ct2), GlossaryStore([]), ServerOptions())
    with live_server(app) as base, watched_page(sync_api, lambda url: url.startswith(base)) as (_, page, outside):
        page.goto(base + "/")
        page.wait_for_selector("body[data-ready=true]")
        page.fill("#source", AR[0])
        with page.expect_response(lambda r: r.url.endswith("/v1/translate")) as answer:
            page.click("#translate-button")
        result = answer.value.json()["results"][0]
        page.wait_for_selector("#status:has-text('Done')")
        flagged = [s for s in result["sentences"] if s["flags"]]
        assert flagged and all("risk" in s for s in result["sentences"])  # random weights: unrelated output
        assert page.is_visible("#review")
        items = page.locator("#review li")
        assert items.count() == len(flagged)
        for k, sentence in enumerate(flagged):
            why = items.nth(k).locator(".why").inner_text()
            assert why == f"risk {sentence['risk']:.2f}: " + "; ".join(
                f"{f['kind']}: {f['detail']}" for f in sentence["flags"]
            )
            quoted = items.nth(k).locator("q")
            assert quoted.nth(0).inner_text() == sentence["source"] and quoted.nth(0).get_attribute("dir") == "rtl"
            assert quoted.nth(1).inner_text() == sentence["translation"]
        # each flagged sentence is marked where it stands, in the translation and in the Arabic, with its reasons
        for view, text in (("#output", "translation"), ("#source-view", "source")):
            marks = page.locator(f"{view} mark.flagged")
            assert marks.count() == len(flagged), view
            for k, sentence in enumerate(flagged):
                assert marks.nth(k).inner_text() == sentence[text]
                assert marks.nth(k).get_attribute("title") == items.nth(k).locator(".why").inner_text()
        assert page.inner_text("#output") == result["translation"]  # the marks add no text
        page.screenshot(path=str(tmp_path / "serve-qe.png"), full_page=True)
    assert not outside, outside
    assert (tmp_path / "serve-qe.png").stat().st_size > 10_000
    keep_screenshot(tmp_path, "serve-qe.png")


def _review_page(run_cli, fast_tiny, tmp_path: Path) -> Path:
    """`mt translate --report review.html` on four seed lines, two of them human translations from a memory
    (clean) and two decoded by the tiny model (flagged)."""
    (tmp_path / "h.ar").write_text("\n".join(AR[1:3]) + "\n", encoding="utf-8")
    (tmp_path / "h.en").write_text("\n".join(EN[1:3]) + "\n", encoding="utf-8")
    memory = tmp_path / "work.tm"
    code, _, err = run_cli("tm", "import", tmp_path / "h.ar", tmp_path / "h.en", "--tm", memory)
    assert code == 0, err
    source, page = tmp_path / "news.txt", tmp_path / "review.html"
    source.write_text("\n".join(AR[:4]) + "\n", encoding="utf-8")
    code, _, err = run_cli(
        "translate", source, "--to", "en", "-o", tmp_path / "news.en.txt", "--tm", memory, "--report", page, *fast_tiny
    )
    assert code == 0, err
    return page


def _visible(page) -> list[str]:
    """The data-kinds of the rows shown, in page order."""
    return page.eval_on_selector_all(
        "tbody tr", "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.kinds)"
    )


@needs_chromium
def test_review_page_sorts_by_risk_and_filters_by_kind(run_cli, fast_tiny, tmp_path):
    page_path = _review_page(run_cli, fast_tiny, tmp_path)
    with watched_page(sync_api, lambda url: url == page_path.as_uri(), height=1000) as (_, page, outside):
        page.goto(page_path.as_uri())
        risks = [float(text) for text in page.locator("td.risk").all_inner_texts()]
        assert len(risks) == 4 and risks == sorted(risks, reverse=True)
        kinds = _visible(page)
        assert len(kinds) == 4 and kinds.count("") == 2  # the memory's human translations are clean
        assert page.locator("tbody tr.flagged mark").count() > 0  # flagged spans highlighted
        assert page.locator("tbody tr td.src[dir=rtl]").count() == 4  # the Arabic right to left
        page.screenshot(path=str(tmp_path / "review-page.png"), full_page=True)

        shown = set(k for row in kinds for k in row.split())
        for kind in sorted(shown):  # uncheck every kind in turn: a row stays while one of its kinds is checked
            page.uncheck(f"input[data-kind={kind}]")
            off = {k for k in shown if not page.is_checked(f"input[data-kind={k}]")}
            expected = [row for row in kinds if not row or set(row.split()) - off]
            assert _visible(page) == expected, kind
        assert _visible(page) == ["", ""]
        page.uncheck("#show-ok")
        assert _visible(page) == []
        page.check("#show-ok")
        page.check(f"input[data-kind={sorted(shown)[0]}]")
        assert len(_visible(page)) == 2 + sum(sorted(shown)[0] in row.split() for row in kinds)
    assert not outside, outside
    keep_screenshot(tmp_path, "review-page.png")
