"""A real `citewise demo` server driven by real headless Chromium (Debian's, through Playwright)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from conftest import CHROMIUM_ARGS, free_port, wait_for_port
from helpers.cli import CITEWISE, cli_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("browser") / "store"
    port = free_port()
    log = open(store.parent / "serve.log", "wb")
    process = subprocess.Popen(
        [CITEWISE, "demo", "--store", str(store), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=cli_env(),
    )
    try:
        wait_for_port(port, process, seconds=120)
        yield {"url": f"http://127.0.0.1:{port}/", "store": store}
    finally:
        process.kill()
        process.wait(timeout=30)
        log.close()


def open_page(browser, url):
    # Playwright's wait_for_function evaluates strings, which the server's CSP forbids the page to do; the CSP
    # itself is tested by test_an_api_key_alone_locks_the_ui_behind_a_sign_in_that_works_under_the_csp.
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#cw-question textarea", timeout=60_000)
    return context, page


def ask(page, question: str, count: int = 1) -> float:
    page.fill("#cw-question textarea", question)
    started = time.perf_counter()
    page.press("#cw-question textarea", "Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#cw-conversation .cw-turn .cw-sources, "
        f"#cw-conversation .cw-badge-abstain').length >= {count}",
        timeout=60_000,
    )
    return time.perf_counter() - started


def upload(page, path: Path) -> None:
    """Index a file through the Library tab, then come back to the Ask tab."""
    page.get_by_role("tab", name="Library").click()
    page.set_input_files("#cw-upload input[type=file]", str(path))
    page.click("#cw-index")
    page.wait_for_selector("#cw-report td:has-text('added')", timeout=60_000)
    page.get_by_role("tab", name="Ask").click()


def expected_answer(store: Path, question: str):
    from rag import Assistant

    return Assistant.open(store=store).ask(question)


def test_ask_click_marker_shows_exact_quote(server, browser):
    context, page = open_page(browser, server["url"])
    ask(page, "How many reservists were called up?")  # warm
    seconds = ask(page, "How many protesters were detained?", count=2)
    assert seconds < 1.0, f"first answer took {seconds:.2f}s"
    expected = expected_answer(server["store"], "How many protesters were detained?")
    page.click("#cw-turn-1 a.cw-marker[data-n='1']")
    page.wait_for_selector(".cw-source:has(mark:target)")
    mark = page.locator("mark:target")
    assert mark.inner_text() == expected.citations[0].quote
    assert mark.is_visible()
    assert page.locator(".cw-badge-conflict").count() >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "ask-and-source-viewer.png"))
    # An earlier answer's citation still opens after the newer question.
    page.click("#cw-turn-0 a.cw-marker[data-n='1']")
    assert (
        page.locator("mark:target").inner_text()
        == expected_answer(server["store"], "How many reservists were called up?").citations[0].quote
    )
    context.close()


def test_upload_ask_delete(server, browser, tmp_path):
    document = tmp_path / "zebra-report.txt"
    document.write_text("Zebra census\n\nThe 2031 zebra census counted 4,321 zebras in the Okavango delta.\n")
    context, page = open_page(browser, server["url"])
    page.get_by_role("tab", name="Library").click()
    page.set_input_files("#cw-upload input[type=file]", str(document))
    page.click("#cw-index")
    page.wait_for_selector("#cw-report td:has-text('added')", timeout=60_000)
    assert page.locator("#cw-documents").inner_text().count("Zebra census") == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "library.png"))
    page.get_by_role("tab", name="Ask").click()
    ask(page, "How many zebras did the census count?")
    assert "4,321" in page.locator("#cw-conversation").inner_text()
    page.get_by_role("tab", name="Library").click()
    page.click("#cw-selected input")
    page.get_by_role("option", name="Zebra census (zebra-report.txt)").click()
    page.click("#cw-delete")
    page.wait_for_selector("#cw-report:has-text('Deleted 1 document')")
    assert "Zebra census" not in page.locator("#cw-documents").inner_text()
    context.close()


PDF_LINES = [
    "The Larkfield lighthouse was lit in 1871 by its keeper,",
    "Ada Brook, who kept the lamp burning through the storm",
    "of 1890 while the Osterby ferry waited in the bay.",
]

BOX_GEOMETRY = """() => [...document.querySelectorAll('.cw-source:has(mark:target) .cw-page')].map(view => {
  const image = view.querySelector('img').getBoundingClientRect();
  const natural = [view.querySelector('img').naturalWidth, view.querySelector('img').naturalHeight];
  const boxes = [...view.querySelectorAll('.cw-box')].map(b => b.getBoundingClientRect())
    .map(b => [b.left - image.left, b.top - image.top, b.right - image.left, b.bottom - image.top]);
  return {page: Number(view.dataset.page), width: image.width, height: image.height, natural, boxes};
})"""


def test_pdf_citation_shows_the_page_with_the_quote_highlighted(server, browser, tmp_path):
    """Clicking a PDF citation shows the rendered page; the highlight rectangles drawn by the browser cover the
    quoted characters where reportlab drew them (also across a line break) and at most 5% more."""
    from helpers.pdfs import assert_rectangles_cover, draw_pdf, drawn_between
    from ui.pages import PAGE_SCALE

    document = tmp_path / "lighthouse-log.pdf"
    drawn = draw_pdf(
        document, [[(72, 90, "Larkfield lighthouse log")], [(72, 120 + 14 * i, t) for i, t in enumerate(PDF_LINES)]]
    )
    context, page = open_page(browser, server["url"])
    upload(page, document)
    ask(page, "Who kept the lamp of the Larkfield lighthouse burning through the storm of 1890?")
    markers = page.locator("#cw-conversation a.cw-marker")
    for i in range(markers.count()):
        markers.nth(i).click()
        if page.locator(".cw-source:has(mark:target) .cw-page").count():
            break
    else:
        pytest.fail("no citation of the answer opened a PDF page: " + page.locator("#cw-conversation").inner_text())
    page.wait_for_function("[...document.querySelectorAll('.cw-page img')].every(i => i.complete && i.naturalWidth)")
    assert page.locator("mark.cw-box:target").is_visible()
    source = page.locator(".cw-source:has(mark:target)")
    assert "Page 2" in source.inner_text() and source.locator("details.cw-text-view").count() == 1
    quote = source.locator(".cw-context mark").text_content()
    rectangles = []
    for view in page.evaluate(BOX_GEOMETRY):
        points_per_pixel = view["natural"][0] / PAGE_SCALE / view["width"]
        rectangles += [[view["page"], *(v * points_per_pixel for v in box)] for box in view["boxes"]]
    words = quote.split()
    assert_rectangles_cover(rectangles, drawn_between(drawn, words[0], words[-1]), tolerance=1.0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "pdf-page-view.png"))
    context.close()


def test_hostile_documents_run_nothing(server, browser, tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "Hostile notes\n\nThe payload <script>window.__xss = 1</script> sits here. "
        'The image <img src=x onerror="window.__xss = 2"> also tries. Quokkas are friendly marsupials.\n'
    )
    context, page = open_page(browser, server["url"])
    upload(page, hostile)
    ask(page, "What does the payload script do near the quokkas?")
    page.click("#cw-conversation a.cw-marker >> nth=0")
    page.wait_for_selector(".cw-source:has(mark:target)")
    time.sleep(0.5)
    assert page.evaluate("window.__xss") is None
    assert (
        "<script>" in page.locator("#cw-viewer").inner_text()
        or "<script>" in page.locator("#cw-conversation").inner_text()
    )
    hostile_elements = (
        "#cw-viewer script, #cw-conversation script, #cw-viewer img:not(.cw-page-image), #cw-conversation img"
    )
    assert page.locator(hostile_elements).count() == 0
    context.close()


def test_two_sessions_do_not_mix(server, browser):
    first_context, first = open_page(browser, server["url"])
    second_context, second = open_page(browser, server["url"])
    ask(first, "Who ordered the mobilization?")
    ask(second, "How many Moscow nationals fled to neighbouring countries?")
    assert "Who ordered" in first.locator("#cw-conversation").inner_text()
    assert "Moscow nationals" not in first.locator("#cw-conversation").inner_text()
    assert "Who ordered" not in second.locator("#cw-conversation").inner_text()
    first_context.close()
    second_context.close()


def test_server_binds_to_loopback_only(server):
    port = int(server["url"].rsplit(":", 1)[1].strip("/"))
    out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("ss is not available")
    local_addresses = [line.split()[3] for line in out.stdout.splitlines() if line.strip()]
    assert local_addresses and all(a.startswith("127.0.0.1:") for a in local_addresses), out.stdout


def test_eight_concurrent_sessions_never_mix(server):
    """8 browser sessions ask 5 questions each at the same time: no error, no mixed conversation."""
    import asyncio
    import concurrent.futures

    from playwright.async_api import async_playwright

    questions = [
        "How many reservists were called up?",
        "Who ordered the mobilization?",
        "How many protesters were detained?",
        "Who is Rebekah Koffler?",
        "What anniversary did the gala concert mark?",
    ]
    latencies: list[float] = []

    async def session(browser, number: int) -> str:
        context = await browser.new_context(bypass_csp=True)  # wait_for_function evaluates a string
        page = await context.new_page()
        await page.goto(server["url"])
        await page.wait_for_selector("#cw-question textarea", timeout=60_000)
        for turn, question in enumerate(questions, start=1):
            tagged = f"{question} (session {number})"
            await page.fill("#cw-question textarea", tagged)
            started = time.perf_counter()
            await page.press("#cw-question textarea", "Enter")
            try:
                await page.wait_for_function(
                    f"document.querySelectorAll('#cw-conversation .cw-turn').length >= {turn} && "
                    f"!document.querySelector('#cw-conversation').innerText.includes('▌')",
                    timeout=60_000,
                )
            except Exception as exc:
                shown = await page.locator("#cw-conversation").inner_text()
                box = await page.input_value("#cw-question textarea")
                state = f"session {number}, turn {turn}: box {box!r}, conversation ends {shown[-300:]!r}"
                raise AssertionError(state) from exc
            latencies.append(time.perf_counter() - started)
        text = await page.locator("#cw-conversation").inner_text()
        await context.close()
        return text

    async def main():
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            texts = await asyncio.gather(*(session(browser, n) for n in range(8)))
            await browser.close()
            return texts

    # The module's sync Playwright keeps an event loop running in this thread, so the
    # async sessions get a thread (and loop) of their own.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        texts = pool.submit(asyncio.run, main()).result(timeout=600)
    for number, text in enumerate(texts):
        assert text.count(f"(session {number})") == len(questions)
        assert all(f"(session {other})" not in text for other in range(8) if other != number)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"\n8 sessions x 5 questions: p50 {latencies[len(latencies) // 2]:.2f}s, p95 {p95:.2f}s")
    assert p95 < 10


def test_login_is_required_with_auth(tmp_path, browser):
    port = free_port()
    store = tmp_path / "store"
    process = subprocess.Popen(
        [CITEWISE, "serve", "--store", str(store), "--port", str(port), "--auth", "ana:s3cret"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=cli_env(),
    )
    try:
        wait_for_port(port, process, seconds=120)
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("input[type=password]", timeout=30_000)
        assert page.locator("#cw-question").count() == 0
        page.fill("input[type=text]", "ana")
        page.fill("input[type=password]", "s3cret")
        page.keyboard.press("Enter")
        page.wait_for_selector("#cw-question textarea", timeout=30_000)
        context.close()
    finally:
        process.kill()
        process.wait(timeout=30)


def test_an_api_key_alone_locks_the_ui_behind_a_sign_in_that_works_under_the_csp(tmp_path, browser):
    """CITEWISE_API_KEYS without --auth left the web UI open (issue 21). Now the page asks for the key; signed
    in, asking works with the strict Content-Security-Policy (no blocked script), and signing out locks it."""
    port = free_port()
    store = tmp_path / "store"
    process = subprocess.Popen(
        [CITEWISE, "demo", "--store", str(store), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=cli_env(CITEWISE_API_KEYS="browser-key-81"),
    )
    try:
        wait_for_port(port, process, seconds=120)
        context = browser.new_context()
        page = context.new_page()
        blocked = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("input[type=password]", timeout=30_000)
        assert "/login" in page.url and page.locator("#cw-question").count() == 0
        page.fill("input[type=password]", "wrong-key")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Wrong user name, password or key", timeout=30_000)
        page.fill("input[type=password]", "browser-key-81")
        page.keyboard.press("Enter")
        page.wait_for_selector("#cw-question textarea", timeout=60_000)
        page.fill("#cw-question textarea", "How many reservists were called up?")
        page.press("#cw-question textarea", "Enter")  # waited for by selector: the CSP forbids string evaluation
        page.wait_for_selector("#cw-conversation .cw-turn .cw-sources", timeout=60_000)
        assert "300,000" in page.inner_text("#cw-conversation")
        assert blocked == []
        page.click("#cw-sign-out")
        page.wait_for_selector("input[type=password]", timeout=30_000)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("input[type=password]", timeout=30_000)
        context.close()
    finally:
        process.kill()
        process.wait(timeout=30)
