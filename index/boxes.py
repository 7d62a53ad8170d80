"""Where each character of a stored text sits on its page: one box `(x0, y0, x1, y1)` per character, in PDF
points with the origin at the page's top left, NaN for characters that are not drawn (line breaks, page
separators). PDFs get them from pdfium (`index.pdf`), scanned pages and images from Tesseract (`index.ocr`).
"""

from __future__ import annotations

import zlib

import numpy as np

NO_BOX = (np.nan, np.nan, np.nan, np.nan)


BASELINE_TOLERANCE = 1.0
"""Points between two characters' baselines for them to sit on one line."""


def extend_to_lines(boxes: list[list[float]], baselines: list[float]) -> None:
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
