"""PDF text and where each character sits on its page, from one library (pdfium) so the two cannot drift.

The stored text of a PDF is its pages' text joined by blank lines; beside it, every stored character has a box
`(x0, y0, x1, y1)` in PDF points with the origin at the page's top left, or NaNs for characters that are not
drawn (line breaks, the blank line between pages). A citation's span `[start, end)` then maps to rectangles
on the rendered page (`span_boxes`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from .errors import LoadError

PAGE_SEPARATOR = "\n\n"
_SOFT_HYPHEN = "\x02"  # pdfium's mark for a word hyphenated at a line end (the line break is dropped)
_NO_BOX = (np.nan, np.nan, np.nan, np.nan)


@dataclass(frozen=True)
class PdfText:
    pages: list[str]
    boxes: np.ndarray
    """float32, one row per character of `PAGE_SEPARATOR.join(pages)`."""
    page_sizes: list[tuple[float, float]]
    title: str
    author: str | None


def read_pdf(data: bytes, name: str) -> PdfText:
    """Every page's text with its characters' boxes; `LoadError` naming the file when it cannot be read."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise LoadError(name, "encrypted PDF: a password is required") from None
        raise LoadError(name, f"corrupt or unreadable PDF ({exc})") from None
    try:
        pages, boxes, sizes = [], [], []
        for index in range(len(document)):
            page = document[index]
            text, page_boxes = _page_text(page)
            if pages:
                boxes.append(np.full((len(PAGE_SEPARATOR), 4), np.nan, dtype=np.float32))
            pages.append(text)
            boxes.append(page_boxes)
            sizes.append(tuple(float(v) for v in page.get_size()))
        metadata = document.get_metadata_dict(skip_empty=True)
    finally:
        document.close()
    all_boxes = np.concatenate(boxes) if boxes else np.zeros((0, 4), dtype=np.float32)
    return PdfText(
        pages, all_boxes, sizes, metadata.get("Title", "").strip(), metadata.get("Author", "").strip() or None
    )


def _page_text(page) -> tuple[str, np.ndarray]:
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
            char = chr(pdfium_c.FPDFText_GetUnicode(textpage, i))
            if char == "\r":
                continue
            if not pdfium_c.FPDFText_IsGenerated(textpage, i) and char != "\n":
                left, _, right, _ = textpage.get_charbox(i, loose=True)
                _, bottom, _, top = textpage.get_charbox(i)
                pdfium_c.FPDFText_GetCharOrigin(textpage, i, ctypes.byref(x), ctypes.byref(y))
                box, baseline = [left, height - top, right, height - bottom], y.value
            else:
                box, baseline = list(_NO_BOX), np.nan
            if char == _SOFT_HYPHEN:
                chars += ["-", "\n"]
                boxes += [box, list(_NO_BOX)]
                baselines += [baseline, np.nan]
                continue
            chars.append(char)
            boxes.append(box)
            baselines.append(baseline)
    finally:
        textpage.close()
    _extend_to_lines(boxes, baselines)
    text, kept = _trim("".join(chars))
    return text, np.asarray(boxes, dtype=np.float32).reshape(-1, 4)[kept]


BASELINE_TOLERANCE = 1.0
"""Points between two characters' baselines for them to sit on one line."""


def _extend_to_lines(boxes: list[list[float]], baselines: list[float]) -> None:
    """Give every drawn character the vertical extent of all glyphs on its line (consecutive characters on one
    baseline)."""
    line: list[int] = []
    for index in [*range(len(boxes)), None]:
        same = index is not None and line and abs(baselines[index] - baselines[line[-1]]) <= BASELINE_TOLERANCE
        if index is not None and (same or not line) and baselines[index] == baselines[index]:
            line.append(index)
            continue
        if line:
            top = min(boxes[i][1] for i in line)
            bottom = max(boxes[i][3] for i in line)
            for i in line:
                boxes[i][1], boxes[i][3] = top, bottom
        line = [index] if index is not None and baselines[index] == baselines[index] else []


def _trim(text: str) -> tuple[str, slice]:
    """The text without leading and trailing line breaks and spaces, and the slice of characters kept."""
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return text[start:end], slice(start, max(start, end))


def pack_boxes(boxes: np.ndarray) -> bytes:
    """Compact storage for the catalog: float16 would lose a point on large pages, so float32, compressed."""
    return zlib.compress(np.ascontiguousarray(boxes, dtype=np.float32).tobytes(), 6)


def unpack_boxes(blob: bytes) -> np.ndarray:
    return np.frombuffer(zlib.decompress(blob), dtype=np.float32).reshape(-1, 4)


LINE_OVERLAP = 0.5
"""Two characters are on one line when their heights overlap by at least half the smaller one."""


def span_boxes(boxes: np.ndarray, page_starts: tuple[int, ...], start: int, end: int) -> list[list[float]]:
    """`[page, x0, y0, x1, y1]` rectangles covering the drawn characters of `[start, end)`: one per line part,
    so a span across a line break or a page break highlights every part and nothing between."""
    from .types import page_at

    rectangles: list[list[float]] = []
    for offset in range(max(0, start), min(end, len(boxes))):
        x0, y0, x1, y1 = (float(v) for v in boxes[offset])
        if x0 != x0:  # NaN: not drawn
            continue
        page = page_at(page_starts, offset) or 1
        if rectangles and _same_line(rectangles[-1], page, y0, y1) and x0 >= rectangles[-1][1] - 1.0:
            last = rectangles[-1]
            last[2], last[3], last[4] = min(last[2], y0), max(last[3], x1), max(last[4], y1)
            continue
        rectangles.append([page, x0, y0, x1, y1])
    return rectangles


def _same_line(rectangle: list[float], page: int, y0: float, y1: float) -> bool:
    if rectangle[0] != page:
        return False
    overlap = min(rectangle[4], y1) - max(rectangle[2], y0)
    return overlap >= LINE_OVERLAP * min(rectangle[4] - rectangle[2], y1 - y0)


def render_page(source: str, page: int, scale: float) -> tuple[bytes, int]:
    """PNG of a 1-based page of the PDF at `source`, `scale` pixels per point, and the PDF's page count;
    `LoadError` naming the file when it cannot be rendered."""
    import io

    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(source)
    except (pdfium.PdfiumError, OSError) as exc:
        raise LoadError(source, f"cannot render the PDF ({exc})") from None
    try:
        count = len(document)
        if not 1 <= page <= count:
            raise LoadError(source, f"page {page} is not in the PDF (it has {count})")
        image = document[page - 1].render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=False)
        return buffer.getvalue(), count
    finally:
        document.close()
