"""The search page end to end in headless Chromium (Debian's ``chromium``, driven by the Python ``playwright``
package with ``executable_path``; no browser download) against a real server on 127.0.0.1 over the built-in
product catalogue, with the default multilingual backbone read through the dual path.

Real shopper queries in Thai, Urdu and Vietnamese from the product set's test split are typed into the page on a
phone-sized viewport; the expected product (graded exact in the qrels) must be among the top 10 shown. The
screenshots are kept under ``runs/test-artifacts/search-page/`` (``$LIRA_TEST_ARTIFACTS`` to move it).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
TOKEN = "page-test-token"


def _artifacts() -> Path:
    folder = Path(os.environ.get("LIRA_TEST_ARTIFACTS") or Path(__file__).resolve().parents[2] / "runs" /
                  "test-artifacts") / "search-page"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _first_keyword_query(lang: str) -> tuple[str, set[str]]:
    """The first keyword-style test query of ``lang`` (file order) with a product graded exact, and those products."""
    from lira.data.products import EXACT, load_products

    queries, qrels = load_products(lang).split("test")
    for qid, query in queries.items():
        exact = {doc for doc, grade in qrels[qid].items() if grade == EXACT}
        if query.meta.get("style") == "keyword" and exact:
            return query.text, exact
    raise AssertionError(f"no keyword test query with an exact product in {lang}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from lira.serving.app import create_app
    from lira.serving.build import BuildConfig, build_index
    from lira.serving.service import SearchService

    folder = tmp_path_factory.mktemp("page")
    index = build_index(BuildConfig(model="dual-path", corpus="products", out=folder / "index", progress=False,
                                    cache_dir=folder / "cache")).path.parents[1]
    service = SearchService(index, cache_dir=folder / "serve-cache")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(create_app(service, token=TOKEN), host="127.0.0.1", port=port,
                                       log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    uv.should_exit = True
    thread.join(10)
    service.close()


@pytest.mark.slow
def test_search_page_in_chromium(server):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package (the serve extra)")
    artifacts = _artifacts()
    outside: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
            page.on("request", lambda r: None if r.url.startswith((server, "data:")) else outside.append(r.url))
            page.goto(server)
            assert page.locator("#lang").input_value() == ""  # auto by default
            page.fill("#token", TOKEN)
            for lang in ("tha", "urd", "vie"):
                text, exact = _first_keyword_query(lang)
                page.fill("#query", text)
                page.locator("#status").evaluate("e => { e.textContent = ''; }")  # so the wait sees this answer
                page.click("#go")
                page.locator("#status", has_text="results in").wait_for(timeout=60_000)
                shown = page.locator("#results li.result").evaluate_all("els => els.map(e => e.dataset.id)")
                assert len(shown) == 10 and exact & set(shown[:10]), (lang, text, exact, shown)
                english = page.locator("#english").inner_text()
                assert "English read:" in english and f"language {lang}" in english, english
                titles = page.locator("#results li.result .title").all_inner_texts()
                assert all(t.strip() for t in titles)
                width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                assert width[0] <= width[1], f"the page scrolls sideways on a phone: {width}"
                page.screenshot(path=str(artifacts / f"search-{lang}.png"), full_page=True)
            # an ambiguous Latin query asks for the language; choosing one searches
            page.fill("#query", "murah")
            page.click("#go")
            page.wait_for_selector(".langs button")
            assert "cannot tell the query's language" in page.locator("#status").inner_text()
            page.click(".langs button:has-text('ind')")
            page.locator("#status", has_text="results in").wait_for(timeout=60_000)
            assert page.locator("#lang").input_value() == "ind"
        finally:
            browser.close()
    assert not outside, f"the page fetched from elsewhere: {outside}"
    assert (artifacts / "search-tha.png").stat().st_size > 10_000
