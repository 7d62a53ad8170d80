"""PDF text and where each character sits on its page, from one library (pdfium) so the two cannot drift.

The stored text of a PDF is its pages' text joined by blank lines; beside it, every stored character has a box
`(x0, y0, x1, y1)` in PDF points with the origin at the page's top left, or NaNs for characters that are not
drawn (line breaks, the blank line between pages). A citation's span `[start, end)` then maps to rectangles
on the rendered page (`span_boxes`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .boxes import NO_BOX, extend_to_lines
from .budget import Reading, current
from .errors import LoadError
from .ocr import OCR_DPI, ocr_available, read_image

PAGE_SEPARATOR = "\n\n"
_SOFT_HYPHEN = "\x02"  # pdfium's mark for a word hyphenated at a line end (the line break is dropped)
_CHARS_PER_CHECK = 4096  # characters of a page read between two checks of the file's deadline


@dataclass(frozen=True)
class PdfText:
    pages: list[str]
    boxes: np.ndarray
    """float32, one row per character of `PAGE_SEPARATOR.join(pages)`."""
    title: str
    author: str | None
    ocr_pages: int = 0
    """Pages without a text layer, read by OCR."""
    unread_pages: int = 0
    """Pages without a text layer left out because Tesseract is missing."""


def read_pdf(data: bytes, name: str) -> PdfText:
    """Every page's text with its characters' boxes; `LoadError` naming the file when it cannot be read.

    The file's time budget (`index.budget`) is checked per page and every few thousand characters; pdfium's
    own work on one page (its text layer, a rendering for OCR) is one C call that cannot be interrupted."""
    import pypdfium2 as pdfium

    file = current()
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise LoadError(name, "encrypted PDF: a password is required") from None
        raise LoadError(name, f"corrupt or unreadable PDF ({exc})") from None
    try:
        read = []
        for index in range(len(document)):
            file.check()
            read.append(_page_text(document[index], file))
        scanned = [index for index, (text, _) in enumerate(read) if not text]  # images of text, no text layer
        can_ocr = ocr_available()
        if scanned and can_ocr:
            for index, result in zip(scanned, _ocr_pages(document, scanned, file), strict=True):
                read[index] = result
        metadata = document.get_metadata_dict(skip_empty=True)
    finally:
        document.close()
    pages = [text for text, _ in read]
    separator = np.full((len(PAGE_SEPARATOR), 4), np.nan, dtype=np.float32)
    boxes = [part for i, (_, page_boxes) in enumerate(read) for part in ([separator] if i else []) + [page_boxes]]
    ocr_pages, unread_pages = (len(scanned), 0) if can_ocr else (0, len(scanned))
    all_boxes = np.concatenate(boxes) if boxes else np.zeros((0, 4), dtype=np.float32)
    title, author = metadata.get("Title", "").strip(), metadata.get("Author", "").strip() or None
    return PdfText(pages, all_boxes, title, author, ocr_pages, unread_pages)


def _ocr_pages(document, indexes: list[int], file: Reading) -> list[tuple[str, np.ndarray]]:
    """OCR of the given pages, as many at a time as there are cores: pdfium renders one page at a time (it is
    not thread-safe), Tesseract reads them in parallel processes, each killed when the file's time is up."""
    from concurrent.futures import ThreadPoolExecutor

    workers = max(1, os.cpu_count() or 1)
    results: list[tuple[str, np.ndarray]] = []
    with ThreadPoolExecutor(workers) as pool:
        for start in range(0, len(indexes), workers):
            images = []
            for i in indexes[start : start + workers]:
                file.check()
                images.append(document[i].render(scale=OCR_DPI / 72).to_pil())
            results += pool.map(lambda image: _read_page_image(image, file), images)
    return results


def _read_page_image(image, file: Reading) -> tuple[str, np.ndarray]:
    text, boxes = read_image(image, 72 / OCR_DPI, file)
    text, kept = _trim(text)
    return text, boxes[kept]


def _page_text(page, file: Reading) -> tuple[str, np.ndarray]:
    """The page's characters in pdfium's reading order, line ends as "\\n", with top-left-origin boxes.

    Across, a character's box is its advance width (pdfium's loose box, so neighbours meet); up and down, the
    extent of the glyphs of its line (characters on one baseline), as a text selection shows it: a glyph's own
    extent would make a comma a sliver below the line, and the loose box spans the font's whole bounding box."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    height = float(page.get_size()[1])
    chars: list[str] = []
    boxes: list[list[float]] = []
    baselines: list[float] = []
    x, y = ctypes.c_double(), ctypes.c_double()
    try:
        for i in range(textpage.count_chars()):
            if i % _CHARS_PER_CHECK == 0:
                file.check()
            char = chr(pdfium_c.FPDFText_GetUnicode(textpage, i))
            if char == "\r":
                continue
            if not pdfium_c.FPDFText_IsGenerated(textpage, i) and char != "\n":
                left, _, right, _ = textpage.get_charbox(i, loose=True)
                _, bottom, _, top = textpage.get_charbox(i)
                pdfium_c.FPDFText_GetCharOrigin(textpage, i, ctypes.byref(x), ctypes.byref(y))
                box, baseline = [left, height - top, right, height - bottom], y.value
            else:
                box, baseline = list(NO_BOX), np.nan
            if char == _SOFT_HYPHEN:
                chars += ["-", "\n"]
                boxes += [box, list(NO_BOX)]
                baselines += [baseline, np.nan]
                continue
            chars.append(char)
            boxes.append(box)
            baselines.append(baseline)
    finally:
        textpage.close()
    extend_to_lines(boxes, baselines)
    text, kept = _trim("".join(chars))
    return text, np.asarray(boxes, dtype=np.float32).reshape(-1, 4)[kept]


def _trim(text: str) -> tuple[str, slice]:
    """The text without leading and trailing line breaks and spaces, and the slice of characters kept."""
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return text[start:end], slice(start, max(start, end))
