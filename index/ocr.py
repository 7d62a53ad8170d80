"""Text of pages that are images (scanned PDF pages, photos of text), read by Tesseract with word boxes, so
they are searchable, citable and highlighted like any other page.

Tesseract comes from Debian's `tesseract-ocr` and `tesseract-ocr-eng` packages (scripts/setup.sh installs
them), driven through pytesseract. Without it, such pages are left out and the ingest report says so.
"""

from __future__ import annotations

import os
import shutil

import numpy as np

from .boxes import NO_BOX, extend_to_lines
from .budget import Reading

OCR_DPI = 300
"""Resolution a page is rendered at for Tesseract, which reads 10-point text best at about 300 dpi."""
# Tesseract's own OpenMP threads make it slower, not faster, on a page: 12.3 s vs 2.4 s for a 300-dpi A4 page
# of 40 lines on this 2-core machine. One thread per Tesseract; pages run in parallel instead (index/pdf.py).
# Only Tesseract's environment gets the limit: in this process it would also hold torch to one thread (and
# there it changes bfloat16 results).
TESSERACT_THREADS = "1"
MISSING = "Tesseract is not installed: install Debian's tesseract-ocr and tesseract-ocr-eng to read scanned pages"


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


def read_image(image, points_per_pixel: float, file: Reading | None = None) -> tuple[str, np.ndarray]:
    """Text of a PIL image, words joined by spaces, lines by "\\n", blocks by a blank line; with a box per
    character in points (origin top left): a word's box split evenly among its letters, every box as tall as
    its line, line breaks without a box.

    `file` is the file being read (`index.budget`): Tesseract is killed when its time is up, and the file fails
    with the time budget's reason. Passed, not looked up, as pages are read in worker threads."""
    import pytesseract
    import pytesseract.pytesseract as binding

    # pytesseract passes its module's `environ` to the Tesseract process and has no argument for it.
    binding.environ = {**os.environ, "OMP_THREAD_LIMIT": TESSERACT_THREADS}
    if file is not None:
        file.check()
    timeout = file.remaining() if file is not None else None
    try:
        # pytesseract's timeout 0 means none; `remaining()` is never below a millisecond.
        data = pytesseract.image_to_data(
            image.convert("L"), lang="eng", output_type=pytesseract.Output.DICT, timeout=timeout or 0
        )
    except RuntimeError as exc:  # pytesseract kills Tesseract and says "Tesseract process timeout"
        if file is not None and "timeout" in str(exc).lower():
            raise file.timeout_error() from None
        raise
    chars: list[str] = []
    boxes: list[list[float]] = []
    lines: list[float] = []
    previous_line = None
    line_count = 0
    for i, word in enumerate(data["text"]):
        word = word.strip()
        if not word:
            continue
        line = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if line == previous_line:  # a space on the line: no width, but the line's, so the line stays one
            chars.append(" ")
            boxes.append([boxes[-1][2], boxes[-1][1], boxes[-1][2], boxes[-1][3]])
            lines.append(lines[-1])
        elif previous_line is not None:
            separator = "\n" if line[0] == previous_line[0] else "\n\n"
            chars += list(separator)
            boxes += [list(NO_BOX) for _ in separator]
            lines += [np.nan] * len(separator)
        line_count += previous_line != line
        previous_line = line
        left, top = data["left"][i] * points_per_pixel, data["top"][i] * points_per_pixel
        width, height = data["width"][i] * points_per_pixel, data["height"][i] * points_per_pixel
        step = width / len(word)
        for k, char in enumerate(word):
            chars.append(char)
            boxes.append([left + k * step, top, left + (k + 1) * step, top + height])
            lines.append(10.0 * line_count)  # one "baseline" per line, further apart than BASELINE_TOLERANCE
    extend_to_lines(boxes, lines)
    return "".join(chars), np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
