"""Scanned PDFs and page images: OCR ingestion throughput beside a text PDF of the same pages, and how fast the
web UI serves a cited page's image once rendered (warm) and the first time (cold).

A 20-page PDF is drawn at run time (reportlab) and "scanned" (each page rendered to a 200-dpi image, saved as an
image-only PDF), so nothing is stored in the project.

    python -m bench.pages [--pages 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import common  # noqa: F401  (offline environment)

SCAN_DPI = 200
WORDS = (
    "harbour lighthouse keeper storm ferry breakwater fishermen coal bread letters winter council survey "
    "boats yachts pier cape bay tide lamp"
).split()


def make_pdfs(folder: Path, pages: int) -> tuple[Path, Path]:
    """A text PDF of `pages` pages and its scanned twin."""
    import pypdfium2 as pdfium
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    text_pdf, scanned_pdf = folder / "report.pdf", folder / "report-scanned.pdf"
    drawing = canvas.Canvas(str(text_pdf), pagesize=A4)
    for page in range(pages):
        drawing.setFont("Helvetica", 11)
        for line in range(40):
            words = [WORDS[(page * 7 + line * 3 + i) % len(WORDS)] for i in range(10)]
            drawing.drawString(60, 780 - 18 * line, f"Page {page + 1}, line {line + 1}: " + " ".join(words) + ".")
        drawing.showPage()
    drawing.save()
    document = pdfium.PdfDocument(str(text_pdf))
    images = [document[i].render(scale=SCAN_DPI / 72).to_pil().convert("L") for i in range(len(document))]
    document.close()
    images[0].save(scanned_pdf, "PDF", resolution=SCAN_DPI, save_all=True, append_images=images[1:])
    return text_pdf, scanned_pdf


def ingest_seconds(path: Path, store: Path, embeddings) -> tuple[float, dict]:
    from rag import Assistant

    assistant = Assistant.open(store=store, embeddings=embeddings)
    started = time.perf_counter()
    report = assistant.ingest([path])
    return time.perf_counter() - started, report.to_dict()


def page_serving(store: Path, source: Path, embeddings, requests: int = 30) -> dict:
    """Cold render and warm GETs of one page image through a running web app (loopback only)."""
    from rag import Assistant
    from ui.pages import PageImages, page_url
    from ui.settings import AppSettings
    from ui.web import launch

    assistant = Assistant.open(store=store, embeddings=embeddings)
    doc_id = assistant.documents()[0].doc_id
    pages = PageImages(store / "pages")
    started = time.perf_counter()
    assert pages.image(doc_id, str(source), 2) is not None
    cold_ms = 1000 * (time.perf_counter() - started)
    server = launch(AppSettings(store=store, port=0), assistant=assistant, block=False)
    port = server.config.port
    url = f"http://127.0.0.1:{port}{page_url(doc_id, 2, 'default')}"
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30) as response:
            body = response.read()
        timings.append(1000 * (time.perf_counter() - started))
    assert body[:8] == b"\x89PNG\r\n\x1a\n", body[:40]
    timings.sort()
    server.should_exit = True
    return {
        "render_first_time_ms": round(cold_ms, 1),
        "served_warm_p50_ms": round(statistics.median(timings), 1),
        "served_warm_p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
        "png_kb": round(len(body) / 1024, 1),
    }


def run(pages: int = 20) -> dict:
    from index.embedding import LocalEmbeddings

    work = Path(tempfile.mkdtemp(prefix="citewise-pages-"))
    text_pdf, scanned_pdf = make_pdfs(work, pages)
    embeddings = LocalEmbeddings()
    ingest_seconds(text_pdf, work / "warm-up", embeddings)  # model load and first-call costs, not measured
    text_seconds, _ = ingest_seconds(text_pdf, work / "text-store", embeddings)
    scanned_seconds, report = ingest_seconds(scanned_pdf, work / "scanned-store", embeddings)
    return {
        "pages": pages,
        "text_pdf": {"seconds": round(text_seconds, 2), "pages_per_s": round(pages / text_seconds, 2)},
        "scanned_pdf_ocr": {
            "seconds": round(scanned_seconds, 2),
            "pages_per_s": round(pages / scanned_seconds, 2),
            "ocr_pages": report["added"][0].get("ocr_pages"),
        },
        "scanned_vs_text_time": round(scanned_seconds / text_seconds, 1),
        "page_image": page_serving(work / "text-store", text_pdf, embeddings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20)
    print(json.dumps(run(parser.parse_args().pages), indent=1))


if __name__ == "__main__":
    main()
