"""Loaders: every format and encoding gives the right text, title, date and pages; bad files name a reason."""

from __future__ import annotations

import pytest

from helpers.corpora import SHIPPED_FORMATS, bad_corpus, good_corpus
from index.errors import LoadError
from index.loaders import decode_text, find_date, load


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return good_corpus(tmp_path_factory.mktemp("good"))


def test_encodings_are_detected(good):
    """UTF-8 with BOM, UTF-16 and cp1252 files come out as the same Unicode a person wrote."""
    assert load(good["bom"]).text.startswith("Café society met in Zürich")
    assert "\ufeff" not in load(good["bom"]).text
    assert load(good["utf16"]).text.startswith("Ünïcode in UTF-16")
    assert "Señor Muñoz paid 5 € for café crème in Málaga" in load(good["latin1"]).text


def test_plain_text_title_and_date(good):
    doc = load(good["utf8"])
    assert doc.title == "Rivers of Europe"
    assert load(good["bom"]).date == "2021-03-04"


def test_markdown_title_is_its_heading(good):
    assert load(good["markdown"]).title == "Field notes"


def test_html_keeps_main_text_only(good):
    """Scripts, styles, navigation and footers are not document text."""
    doc = load(good["html"])
    assert "8.7 million containers" in doc.text
    assert "port authority was founded in 2005" in doc.text
    for noise in ("SCRIPT_TEXT", "color:red", "NAV_TEXT", "FOOTER_TEXT"):
        assert noise not in doc.text
    assert doc.title == "Harbour report"


def test_pdf_pages_cover_every_character(good):
    doc = load(good["pdf"])
    assert doc.title == "Glacier report"
    second = doc.text.index("The second page")
    assert doc.page_at(0) == 1
    assert doc.page_at(doc.text.index("glaciers melting")) == 1
    assert doc.page_at(second) == 2
    assert doc.page_at(len(doc.text) - 1) == 2


def test_docx_text_and_title(good):
    doc = load(good["docx"])
    assert doc.title == "Quarterly memo"
    assert "Sales rose by 12 percent" in doc.text
    assert doc.date == "2023-06-01"


@pytest.mark.parametrize(
    "kind",
    [
        "empty",
        "binary",
        "corrupt_pdf",
        "encrypted_pdf",
        "undecodable",
        "too_big",
        "broken_link",
        "unsupported",
        "corrupt_image",
    ],
)
def test_bad_files_raise_load_error_naming_the_file(tmp_path, kind):
    path, reason = bad_corpus(tmp_path)[kind]
    with pytest.raises(LoadError) as caught:
        load(path, max_bytes=1_000_000)
    assert caught.value.path == str(path)
    assert reason in caught.value.reason


def test_crlf_and_cr_line_ends_are_normalised():
    """Offsets are counted in the stored text: one line end is one character on every platform."""
    assert decode_text(b"a\r\nb\rc", "x") == "a\nb\nc"


def test_binary_data_with_nul_bytes_is_rejected():
    """A binary file renamed .txt fails with a reason instead of filling the index with noise."""
    with pytest.raises(LoadError):
        decode_text(b"\x00\x01\x02\x03" * 100, "x")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("date 2022-10-05 Russia", "2022-10-05"),
        ("Published October 4, 2022 by staff", "2022-10-04"),
        ("On 1 June 2023 the office opened", "2023-06-01"),
        ("No date here at all", None),
        ("Bad 2022-13-45 then 2020-01-02", "2020-01-02"),
    ],
)
def test_find_date(text, expected):
    assert find_date(text) == expected


def test_shipped_sample_of_every_format_loads_with_its_facts():
    """The folder CI's stock-pip install ingests: each format yields its own text, and nothing else of the page."""
    expected = {
        ".txt": "lit for the first time on 12 March 1871",
        ".md": "Crossing to Osterby takes 55 minutes.",
        ".html": "The Saturday market has 64 stalls and opens at eight.",
        ".pdf": "37 fishing boats and 12 yachts",
        ".docx": "Work starts on 3 April 2025.",
    }
    files = sorted(SHIPPED_FORMATS.iterdir())
    assert {path.suffix for path in files} == set(expected)
    for path in files:
        document = load(path)
        assert expected[path.suffix] in document.text, path
        assert "SCRIPT_TEXT" not in document.text
    assert load(SHIPPED_FORMATS / "harbour.pdf").page_starts[1] > 0
