"""Web UI behaviour as plain functions: rendering escapes text, uploads are confined, sessions are separate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.corpora import copy_demo
from rag import Assistant
from rag.types import Answer, Citation, Conflict
from ui.handlers import Handlers
from ui.render import answer_html, conversation_markdown, viewer_entry
from ui.uploads import UploadRejected, accept, safe_name

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def citation(n=1, quote="The quote.", supported=True, start=4, **extra) -> Citation:
    return Citation(
        n=n,
        doc_id="d",
        source="/x/doc.txt",
        title=extra.get("title", "Doc"),
        start=start,
        end=start + len(quote),
        quote=quote,
        supported=supported,
        score=1.0,
        line=1,
        reason=extra.get("reason", ""),
    )


def hostile_answer() -> Answer:
    return Answer(
        question=HOSTILE,
        answer=f"{HOSTILE} says so [1]. Unknown [9].",
        abstained=False,
        mode="extractive",
        citations=(citation(quote=HOSTILE, title=HOSTILE),),
    )


def test_question_answer_and_quotes_are_escaped():
    """Documents and questions are untrusted: their markup is shown as text, never run in the page."""
    html = answer_html(3, hostile_answer())
    assert "<script>" not in html and "<img" not in html


def test_a_marker_links_to_its_mark_in_the_viewer():
    """[1] of turn 3 jumps to that turn's highlighted quote."""
    assert 'href="#cw-mark-3-1"' in answer_html(3, hostile_answer())


def test_a_marker_without_a_citation_stays_plain_text():
    """A marker the answer has no citation for is shown as written, not as a link to nothing."""
    html = answer_html(3, hostile_answer())
    assert "[9]" in html and 'href="#cw-mark-3-9"' not in html


def test_badges_for_abstention_conflict_and_unsupported():
    answer = Answer(
        question="q",
        answer="a [1] b [2]",
        abstained=False,
        mode="llm",
        citations=(citation(1), citation(2, supported=False, reason="the name “<b>x” is not in the cited text")),
        conflicts=(Conflict("protesters", (1, 2), ("2000", "1,000")),),
        notices=("LLM timed out",),
    )
    html = answer_html(0, answer)
    for css in ("cw-badge-conflict", "cw-badge-unsupported", "cw-badge-notice"):
        assert css in html
    assert "[2] (the name “&lt;b&gt;x” is not in the cited text)" in html  # why, escaped


def test_an_abstention_has_its_badge():
    """The reader sees at once that the documents do not answer, not an answer to trust."""
    abstained = answer_html(0, Answer(question="q", answer="no", abstained=True, mode="extractive"))
    assert "cw-badge-abstain" in abstained


VIEWED = "Pre <b>bold</b> The quote. post"


def test_the_viewer_marks_exactly_the_quote():
    """The highlighted text is the citation's span, so what the reader checks is what was cited."""
    html = viewer_entry(0, citation(quote="The quote.", start=VIEWED.index("The quote.")), VIEWED)
    assert re.search(r'<mark id="cw-mark-0-1">The quote\.</mark>', html)


def test_the_viewers_context_around_the_quote_is_escaped():
    """The document text around the quote is untrusted markup too."""
    html = viewer_entry(0, citation(quote="The quote.", start=VIEWED.index("The quote.")), VIEWED)
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_markdown_export_lists_references():
    answer = Answer(
        question="How many?",
        answer="Many [1].",
        abstained=False,
        mode="extractive",
        citations=(citation(quote="Many were there."),),
    )
    markdown = conversation_markdown([answer])
    assert "## How many?" in markdown and "1. Doc — /x/doc.txt, line 1" in markdown
    assert "> Many were there." in markdown


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../x.txt", "x.txt"),
        ("..\\..\\evil.md", "evil.md"),
        ("a b<c>.TXT", "a b_c_.txt"),
        ("/etc/passwd", "passwd"),
        (".hidden.txt", "hidden.txt"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_safe_names(name, expected):
    assert safe_name(name) == expected


@pytest.fixture
def upload(tmp_path) -> Path:
    source = tmp_path / "in.txt"
    source.write_text("hello")
    return source


def test_an_upload_cannot_escape_the_uploads_folder(upload, tmp_path):
    """A client-chosen name with ../ lands inside the store's uploads folder, never beside it."""
    uploads = tmp_path / "store" / "uploads"
    stored = accept(upload, "../../outside.txt", uploads, 1000)
    assert stored.parent == uploads.resolve()
    assert not (tmp_path / "outside.txt").exists()


def test_an_upload_of_an_unsupported_type_is_refused(upload, tmp_path):
    with pytest.raises(UploadRejected, match="not supported"):
        accept(upload, "run.sh", tmp_path / "uploads", 1000)


def test_an_upload_over_the_size_limit_is_refused(upload, tmp_path):
    with pytest.raises(UploadRejected, match="over the limit"):
        accept(upload, "big.txt", tmp_path / "uploads", 2)


def test_an_upload_never_overwrites_an_earlier_one_of_the_same_name(upload, tmp_path):
    """Two users uploading report.txt keep both files."""
    uploads = tmp_path / "uploads"
    stored = accept(upload, "outside.txt", uploads, 1000)
    other = tmp_path / "other.txt"
    other.write_text("different")
    assert accept(other, "outside.txt", uploads, 1000) != stored
    assert stored.read_text() == "hello"


@pytest.fixture
def handlers(tmp_path, fake_embeddings):
    assistant = Assistant.open(store=tmp_path / "store", embeddings=fake_embeddings, abstain_threshold=0.25)
    assistant.ingest([copy_demo(tmp_path / "docs")])
    return Handlers(assistant)


def test_respond_streams_then_cites_and_keeps_sessions_apart(handlers):
    views = list(handlers.respond("How many reservists were called up?", []))
    final = views[-1]
    assert len(final.turns) == 1 and final.export_path and "cw-marker" in final.conversation
    assert "<mark id=" in final.viewer
    other = list(handlers.respond("Who is Rebekah Koffler?", []))[-1]
    assert len(other.turns) == 1 and "reservists" not in other.conversation
    follow = list(handlers.respond("And who ordered it?", final.turns))[-1]
    assert len(follow.turns) == 2 and "cw-mark-1-1" in follow.viewer and "cw-mark-0-1" in follow.viewer


def test_metadata_filters_restrict_answers_and_bad_ones_are_shown(handlers):
    sources = {d.doc_id: d.source for d in handlers.assistant.documents()}
    koffler = next(doc_id for doc_id, source in sources.items() if "koffler" in source)
    final = list(handlers.respond("Who ordered the mobilization?", [], filters={"source": "koffler"}))[-1]
    assert final.turns and {c.doc_id for c in final.turns[-1].citations} == {koffler}
    bad = list(handlers.respond("Who ordered it?", [], filters={"after": "someday"}))[-1]
    assert "filter after must be a date" in bad.conversation and bad.turns == []


def test_bad_question_is_shown_not_raised(handlers):
    final = list(handlers.respond("   ", []))[-1]
    assert "empty" in final.conversation and final.turns == []


def test_upload_delete_and_reindex(handlers, tmp_path):
    good = tmp_path / "notes.md"
    good.write_text("# Notes\n\nOtters were seen at dawn by the lake.")
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ")
    report = handlers.upload([str(good), str(bad)])
    assert "added" in report and "not supported" in report
    titles = [row[0] for row in handlers.documents()]
    assert "Notes" in titles
    doc_id = next(row[-1] for row in handlers.documents() if row[0] == "Notes")
    assert "unchanged" in handlers.reindex([doc_id])
    assert "Deleted 1" in handlers.delete([doc_id])
    assert "Notes" not in [row[0] for row in handlers.documents()]


def test_the_jobs_panel_escapes_file_names_and_reasons_and_shows_progress(tmp_path, fake_embeddings):
    """Uploaded file names are hostile input: a job's name and failure reason are shown as text."""
    from index.jobs import JobQueue, NewJob

    assistant = Assistant.open(store=tmp_path / "store", embeddings=fake_embeddings, ingest_mode="queue")
    queue = JobQueue(assistant.library.database)
    name = "<img src=x onerror=alert(1)>.txt"
    queue.enqueue("b", [NewJob(f"/up/{name}", "a" * 64, 1), NewJob("/up/b.txt", "b" * 64, 1)],
                  [("a" * 64, name, b"x"), ("b" * 64, "b.txt", b"y")])  # fmt: skip
    first, second = queue.claim("w", lease=60, limit=2)
    queue.heartbeat(second, lease=60, progress=0.4)
    queue.finish(first, None, error="<script>bad</script> could not be read")
    html = Handlers(assistant).jobs_html()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;.txt" in html
    assert "<script>" not in html and "&lt;script&gt;bad&lt;/script&gt;" in html
    assert "<progress max='1' value='0.400'></progress>40%" in html and "failed" in html
