"""Documents carry the metadata they state (header lines, HTML meta, PDF info, DOCX properties); filters on it
restrict answers; a question naming a publisher or an author ranks their documents up; old stores upgrade."""

from __future__ import annotations

import sqlite3

import pytest

from helpers.corpora import write_docx, write_pdf
from helpers.stores import answering_store
from index.loaders import load
from index.types import DocumentRecord
from rag import Assistant
from rag.errors import QuestionError
from rag.retrieval.filters import Filters, NameIndex

HEADED = (
    "Title: Harbour reopens after storm repairs\nSource: larkfield-gazette.com\nAuthors: Ada Brook, Tom Reed\n"
    "Published: 2024/05/14\nURL: https://larkfield-gazette.com/harbour\n\n"
    "The Larkfield harbour reopened on Monday after the storm repairs. Thirty-seven boats returned.\n"
)
OTHER = (
    "Title: Ferry timetable changes\nSource: osterby-times.org\nAuthors: Lena Vik\nPublished: 2023/11/02\n\n"
    "The harbour ferry will leave at 06:40 from next month. The harbour master announced it.\n"
)


def test_header_lines_become_metadata_and_stay_in_the_text(tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(HEADED)
    document = load(path)
    assert document.title == "Harbour reopens after storm repairs"
    assert (document.publisher, document.author, document.date) == (
        "larkfield-gazette.com",
        "Ada Brook, Tom Reed",
        "2024-05-14",
    )
    assert document.text == HEADED  # offsets still point into the file's own text


def test_plain_prose_with_a_colon_is_no_header(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Note: the harbour is closed.\n\nMore text follows here.")
    document = load(path)
    assert document.author is None and document.publisher is None


def test_html_pdf_and_docx_metadata(tmp_path):
    html = tmp_path / "page.html"
    html.write_text(
        "<html><head><title>Market day</title><meta name='author' content='Ada Brook'>"
        "<meta property='og:site_name' content='Larkfield Gazette'>"
        "<meta name='date' content='2024-05-14'></head><body><article><p>The market has 64 stalls and opens "
        "at eight every Saturday morning in the square.</p></article></body></html>"
    )
    loaded = load(html)
    assert (loaded.author, loaded.publisher, loaded.date) == ("Ada Brook", "Larkfield Gazette", "2024-05-14")
    pdf = write_pdf(tmp_path / "survey.pdf", ["The survey counted 37 boats."], title="Survey")
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(pdf)))
    writer.add_metadata({"/Author": "Tom Reed"})
    with open(pdf, "wb") as handle:
        writer.write(handle)
    assert load(pdf).author == "Tom Reed"
    docx_path = write_docx(tmp_path / "memo.docx", "Memo", ["Work starts on 3 April 2025."])
    import docx

    document = docx.Document(str(docx_path))
    document.core_properties.author = "Lena Vik"
    document.save(str(docx_path))
    assert load(docx_path).author == "Lena Vik"


def record(**fields) -> DocumentRecord:
    base = {
        "doc_id": "d",
        "source": "/x/a.txt",
        "title": "T",
        "chunks": 1,
        "size": 1,
        "ingested_at": "",
        "content_hash": "",
        "sources": ("/x/a.txt",),
    }
    return DocumentRecord(**{**base, **fields})


def test_filters_match_and_reject_bad_input():
    doc = record(title="Harbour reopens", publisher="larkfield-gazette.com", author="Ada Brook", date="2024-05-14")
    assert Filters.parse({"source": "GAZETTE", "after": "2024-05-01", "before": "May 31, 2024"}).matches(doc)
    assert not Filters.parse({"author": "Vik"}).matches(doc)
    assert not Filters.parse({"after": "2024-06-01"}).matches(doc)
    assert not Filters.parse({"after": "2024-01-01"}).matches(record(date=None))
    assert Filters.parse({"title": "", "author": None}) is None
    with pytest.raises(QuestionError, match="unknown filter publisher; filters are title, source"):
        Filters.parse({"publisher": "x"})
    with pytest.raises(QuestionError, match="filter after must be a date"):
        Filters.parse({"after": "last Tuesday"})


def test_questions_name_publishers_by_capitalised_word_and_authors_by_full_name():
    records = [
        record(doc_id="g", publisher="larkfield-gazette.com", author="Ada Brook"),
        record(doc_id="w", publisher="theweek.com", author="Lena Vik"),
    ]
    names = NameIndex(records)
    assert names.named_documents("What did the Gazette report about the harbour?") == {"g"}
    assert names.named_documents("What happened this week?") == set()
    assert names.named_documents("What did lena vik write?") == {"w"}
    assert names.named_documents("Did Vik say so?") == set()


@pytest.fixture
def news(tmp_path, fake_embeddings) -> Assistant:
    return answering_store(tmp_path, fake_embeddings, {"gazette.txt": HEADED, "times.txt": OTHER})


def test_filters_restrict_answers_and_metadata_reaches_json(news):
    answer = news.ask("What did the harbour do?", filters={"source": "osterby"})
    assert answer.citations and {c.source.rsplit("/", 1)[-1] for c in answer.citations} == {"times.txt"}
    assert all(p["metadata"]["source"] == "osterby-times.org" for p in answer.to_dict()["passages"])
    listing = {d.to_dict()["metadata"]["author"] for d in news.documents()}
    assert listing == {"Ada Brook, Tom Reed", "Lena Vik"}
    with pytest.raises(QuestionError, match="no indexed document matches the filters author='Nobody'"):
        news.ask("What happened?", filters={"author": "Nobody"})
    assert {p.doc_id for p in news.search("harbour", filters={"before": "2023-12-31"})} == {
        d.doc_id for d in news.documents() if d.author == "Lena Vik"
    }


def test_a_store_from_before_metadata_is_upgraded_without_reembedding(news, fake_embeddings):
    store = news.settings.storage.path
    with sqlite3.connect(store / "citewise.db") as db:  # what a store of the first release read of its files
        db.execute("UPDATE documents SET title = 'old', author = NULL, publisher = NULL")
        db.execute("DELETE FROM settings WHERE key = 'metadata_version'")
    reopened = Assistant.open(store=store, embeddings=fake_embeddings)
    encoded = fake_embeddings.encoded_texts
    report = reopened.ingest([store.parent / "docs"])
    assert len(report.unchanged) == 2 and fake_embeddings.encoded_texts == encoded
    assert {d.publisher for d in reopened.documents()} == {"larkfield-gazette.com", "osterby-times.org"}
    assert "old" not in {d.title for d in reopened.documents()}


def test_a_question_after_a_month_ranks_up_documents_dated_then(news):
    from rag.retrieval.filters import question_dates

    assert question_dates("What changed after September 2022?") == ("2022-09-01", "9999-12-31")
    assert question_dates("What did the 2021 annual report say?") is None  # a bare year dates the event
    question = "Which ferry did the harbour master announce after January 2024?"
    by_date = {d.doc_id: d.date for d in news.documents()}
    ranked = [p.doc_id for p in news.search(question)]
    undated = Assistant.open(news.settings, embeddings=news.embeddings, question_dates=False)
    unboosted = [p.doc_id for p in undated.search(question)]
    assert by_date[unboosted[0]] < "2024-01-01"  # the words alone favour the older ferry notice
    assert by_date[ranked[0]] >= "2024-01-01"
