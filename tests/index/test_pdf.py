"""PDF text and character boxes come from one library and agree with where reportlab drew each character: a
cited span's highlight covers every quoted character, also across a line break, a column and a page break, and
little else."""

from __future__ import annotations

import pytest

from helpers.pdfs import assert_highlight_covers, draw_pdf
from index.catalog_rows import StoredDocument
from index.loaders import load

LEFT = [
    "The Larkfield lighthouse was lit in 1871 by its keeper,",
    "Ada Brook, who kept the lamp burning through the storm.",
    "Ships from Osterby passed the cape every night.",
]
RIGHT = [
    "The harbour master counted 37 fishing boats",
    "and 12 yachts at the pier in the summer of 1890,",
    "when the new breakwater was finished",
]
SECOND_PAGE = ["after three years of work by the town.", "The lamp was electrified in 1923."]


@pytest.fixture
def drawn_pdf(tmp_path):
    pages = [
        [(50, 100 + 14 * i, line) for i, line in enumerate(LEFT)]
        + [(310, 100 + 14 * i, line) for i, line in enumerate(RIGHT)],
        [(50, 100 + 14 * i, line) for i, line in enumerate(SECOND_PAGE)],
    ]
    path = tmp_path / "two-columns.pdf"
    drawn = draw_pdf(path, pages)
    loaded = load(path)
    stored = StoredDocument(
        "d", loaded.title, str(path), loaded.text, loaded.page_starts, None, char_boxes=loaded.char_boxes
    )
    return stored, drawn


def span_of(stored, first: str, last: str) -> tuple[int, int]:
    start = stored.text.index(first)
    return start, stored.text.index(last, start) + len(last)


def test_a_span_within_one_line(drawn_pdf):
    stored, drawn = drawn_pdf
    rectangles = assert_highlight_covers(stored, *span_of(stored, "lit", "1871"), drawn)
    assert len(rectangles) == 1 and rectangles[0][0] == 1


def test_a_span_across_a_line_break_highlights_both_line_parts(drawn_pdf):
    stored, drawn = drawn_pdf
    rectangles = assert_highlight_covers(stored, *span_of(stored, "keeper,", "Brook,"), drawn)
    assert len(rectangles) == 2 and rectangles[0][2] < rectangles[1][2]  # the second part is below the first


def test_the_right_column_is_its_own_text(drawn_pdf):
    stored, drawn = drawn_pdf
    rectangles = assert_highlight_covers(stored, *span_of(stored, "37 fishing", "12 yachts"), drawn)
    assert all(r[1] >= 300 for r in rectangles)  # nothing of the left column is highlighted


def test_a_span_across_a_page_break_highlights_both_pages(drawn_pdf):
    stored, drawn = drawn_pdf
    rectangles = assert_highlight_covers(stored, *span_of(stored, "breakwater", "three years"), drawn)
    assert {r[0] for r in rectangles} == {1, 2}
    assert stored.page_starts[1] <= stored.text.index("three years")


def test_documents_without_pages_have_no_boxes():
    stored = StoredDocument("d", "t", "a.txt", "Plain text.", (), None)
    assert stored.boxes(0, 5) == []
