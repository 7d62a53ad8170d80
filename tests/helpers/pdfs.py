"""PDFs drawn by the tests with reportlab, with where reportlab put every character: the truth that highlight
boxes are checked against (independent of pdfium, which the loader uses)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FONT, SIZE = "Helvetica", 11
PAGE_HEIGHT = 841.8897637795277  # A4 in points


@dataclass(frozen=True)
class DrawnChar:
    char: str
    page: int
    box: tuple[float, float, float, float]
    """x0, y0, x1, y1 in points, origin top left: the glyph's advance width and the font's ascent to descent."""


def draw_pdf(path: Path, pages: list[list[tuple[float, float, str]]]) -> list[DrawnChar]:
    """Each page a list of (x, y from the top, line of text); returns every drawn character in drawing order."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import getAscent, getDescent, stringWidth
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    drawn: list[DrawnChar] = []
    ascent, descent = getAscent(FONT, SIZE), getDescent(FONT, SIZE)
    for number, lines in enumerate(pages, start=1):
        pdf.setFont(FONT, SIZE)
        for x, top, line in lines:
            baseline = PAGE_HEIGHT - top
            pdf.drawString(x, baseline, line)
            for i, char in enumerate(line):
                left = x + stringWidth(line[:i], FONT, SIZE)
                right = x + stringWidth(line[: i + 1], FONT, SIZE)
                drawn.append(DrawnChar(char, number, (left, top - ascent, right, top - descent)))
        pdf.showPage()
    pdf.save()
    return drawn


def drawn_between(drawn: list[DrawnChar], first: str, last: str) -> list[DrawnChar]:
    """The drawn characters from the first word's start to the last word's end."""
    text = "".join(c.char for c in drawn)
    start = text.index(first)
    end = text.index(last, start) + len(last)
    return drawn[start:end]


def assert_highlight_covers(stored, start: int, end: int, drawn: list[DrawnChar]) -> list:
    """The highlight of `stored.text[start:end]` covers each drawn character of it and little else; text and
    boxes from one library: the stored quote's characters are the ones drawn, in order."""
    quoted = stored.text[start:end].split()
    expected = drawn_between(drawn, quoted[0], quoted[-1])
    assert "".join(quoted) == "".join(c.char for c in expected if c.char != " ")
    rectangles = stored.boxes(start, end)
    assert_rectangles_cover(rectangles, expected)
    return rectangles


def assert_rectangles_cover(rectangles, expected: list[DrawnChar], tolerance: float = 0.5) -> None:
    """Each drawn character is covered (across: its advance width; up and down: the middle of its font box), and
    the rectangles hold at most 5% more area than the characters' boxes."""
    for char in expected:
        x0, y0, x1, y1 = char.box
        middle = (y0 + y1) / 2
        assert any(
            page == char.page and rx0 <= x0 + tolerance and x1 - tolerance <= rx1 and ry0 <= middle <= ry1
            for page, rx0, ry0, rx1, ry1 in rectangles
        ), (char, rectangles)
    extra = sum(_area(r[1:]) - _covered(r, expected) for r in rectangles)
    assert extra <= 0.05 * sum(_area(r[1:]) for r in rectangles), rectangles


def _area(box) -> float:
    x0, y0, x1, y1 = box
    return max(0.0, x1 - x0) * max(0.0, y1 - y0)


def _covered(rectangle, chars) -> float:
    """Area of the rectangle inside the drawn characters' boxes (which do not overlap each other)."""
    page, rx0, ry0, rx1, ry1 = rectangle
    total = 0.0
    for char in chars:
        if char.page == page:
            x0, y0, x1, y1 = char.box
            total += _area((max(rx0, x0), max(ry0, y0), min(rx1, x1), min(ry1, y1)))
    return total
