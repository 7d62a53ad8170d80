"""Scanned PDF pages (images of text, no text layer) are read by Tesseract: searchable, citable and
highlighted like text pages; without Tesseract they are left out and the report says what to install."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest

from helpers.pdfs import assert_rectangles_cover, draw_pdf, drawn_between
from index.catalog_rows import StoredDocument
from index.loaders import load

LINES = [
    "The Larkfield lighthouse was lit in 1871 by its keeper,",
    "Ada Brook, who kept the lamp burning through the storm",
    "of 1890 while the Osterby ferry waited in the bay.",
    "Fishermen from Kelso brought coal, bread and letters",
    "every second Tuesday until the harbour froze in 1895.",
]
SCAN_DPI = 200


def scanned_pdf(path, pages):
    """A PDF whose pages are only images: each drawn page rendered to pixels, as a scanner would."""
    import pypdfium2 as pdfium

    drawn_path = path.with_name("drawn-" + path.name)
    drawn = draw_pdf(drawn_path, pages)
    document = pdfium.PdfDocument(str(drawn_path))
    images = [document[i].render(scale=SCAN_DPI / 72).to_pil().convert("L") for i in range(len(document))]
    document.close()
    images[0].save(path, "PDF", resolution=SCAN_DPI, save_all=True, append_images=images[1:])
    return drawn


@pytest.fixture
def tesseract():
    if shutil.which("tesseract") is None:
        pytest.fail("Tesseract is missing: run scripts/setup.sh (it installs Debian's tesseract-ocr)")


def words(text: str) -> Counter:
    return Counter(w.strip(".,") for w in text.split())


def test_a_scanned_page_is_read_with_word_boxes(tmp_path, tesseract):
    path = tmp_path / "scan.pdf"
    drawn = scanned_pdf(path, [[(72, 100 + 16 * i, line) for i, line in enumerate(LINES)]])
    loaded = load(path)
    assert loaded.ocr_pages == 1 and loaded.note is None
    expected = words(" ".join(LINES))
    recognised = sum((words(loaded.text) & expected).values()) / sum(expected.values())
    assert recognised >= 0.95, (recognised, loaded.text)
    stored = StoredDocument("d", "t", str(path), loaded.text, loaded.page_starts, None, char_boxes=loaded.char_boxes)
    start = loaded.text.index("Ada Brook")
    end = loaded.text.index("storm") + len("storm")
    assert_rectangles_cover(stored.boxes(start, end), drawn_between(drawn, "Ada", "storm"), tolerance=1.5)


def test_text_pages_are_not_read_by_ocr_and_scanned_ones_join_them(tmp_path, tesseract):
    scanned = tmp_path / "scan.pdf"
    scanned_pdf(scanned, [[(72, 100, LINES[0])]])
    import pypdfium2 as pdfium

    text_pdf = tmp_path / "text.pdf"
    draw_pdf(text_pdf, [[(72, 100, LINES[3])]])
    merged = pdfium.PdfDocument.new()
    merged.import_pages(pdfium.PdfDocument(str(text_pdf)))
    merged.import_pages(pdfium.PdfDocument(str(scanned)))
    merged.save(str(tmp_path / "mixed.pdf"))
    loaded = load(tmp_path / "mixed.pdf")
    assert loaded.ocr_pages == 1
    assert loaded.text.startswith(LINES[3]) and "Larkfield lighthouse" in loaded.text[loaded.page_starts[1] :]


def test_without_tesseract_scanned_pages_are_left_out_and_the_report_says_what_to_install(
    tmp_path, monkeypatch, fake_library
):
    import index.pdf

    monkeypatch.setattr(index.pdf, "ocr_available", lambda: False)
    scanned_pdf(tmp_path / "scan.pdf", [[(72, 100, LINES[0])]])
    from index.errors import LoadError

    with pytest.raises(LoadError, match="tesseract-ocr"):
        load(tmp_path / "scan.pdf")
    import pypdfium2 as pdfium

    draw_pdf(tmp_path / "text.pdf", [[(72, 100, LINES[3])]])
    merged = pdfium.PdfDocument.new()
    merged.import_pages(pdfium.PdfDocument(str(tmp_path / "text.pdf")))
    merged.import_pages(pdfium.PdfDocument(str(tmp_path / "scan.pdf")))
    merged.save(str(tmp_path / "mixed.pdf"))
    report = fake_library.ingest([tmp_path / "mixed.pdf"])
    (added,) = report.added
    assert "1 page(s) without a text layer left out" in added.note and "tesseract-ocr" in added.note
    assert "note" in added.to_dict() and "ocr_pages" not in added.to_dict()
    from ui.handlers import ingest_report_html

    assert "install Debian&#x27;s tesseract-ocr" in ingest_report_html(report, [])


def test_an_image_of_text_is_read_and_cited_by_region(tmp_path, tesseract):
    """A PNG of text (a screenshot, a photo of a page) is indexed by OCR; its boxes are in its own pixels, so a
    citation is a region of the image, and the page view renders the image itself."""
    import dataclasses
    import struct

    import pypdfium2 as pdfium

    from index.rendering import render_page

    drawn = draw_pdf(tmp_path / "drawn.pdf", [[(72, 100 + 16 * i, line) for i, line in enumerate(LINES)]])
    scale = SCAN_DPI / 72
    document = pdfium.PdfDocument(str(tmp_path / "drawn.pdf"))
    document[0].render(scale=scale).to_pil().save(tmp_path / "page.png")
    document.close()
    loaded = load(tmp_path / "page.png")
    assert loaded.ocr_pages == 1 and loaded.page_starts == (0,)
    expected = words(" ".join(LINES))
    assert sum((words(loaded.text) & expected).values()) / sum(expected.values()) >= 0.95, loaded.text
    stored = StoredDocument(
        "d", "t", str(tmp_path / "page.png"), loaded.text, loaded.page_starts, None, None, None, loaded.char_boxes
    )
    start = loaded.text.index("Fishermen")
    end = loaded.text.index("letters") + len("letters")
    in_pixels = [dataclasses.replace(c, box=tuple(v * scale for v in c.box)) for c in drawn]
    assert_rectangles_cover(stored.boxes(start, end), drawn_between(in_pixels, "Fishermen", "letters"), tolerance=3)
    png, pages = render_page(str(tmp_path / "page.png"), 1, 0.5)
    width, height = struct.unpack(">II", png[16:24])
    from PIL import Image

    with Image.open(tmp_path / "page.png") as image:
        assert pages == 1 and (width, height) == (round(image.width * 0.5), round(image.height * 0.5))
