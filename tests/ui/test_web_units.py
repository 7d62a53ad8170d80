"""Web UI behaviour as plain functions: rendering escapes text, uploads are confined, sessions are separate."""

from __future__ import annotations

import re

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


def test_markers_link_to_marks_and_text_is_escaped():
    answer = Answer(
        question=HOSTILE,
        answer=f"{HOSTILE} says so [1]. Unknown [9].",
        abstained=False,
        mode="extractive",
        citations=(citation(quote=HOSTILE, title=HOSTILE),),
    )
    html = answer_html(3, answer)
    assert "<script>" not in html and "<img" not in html
    assert 'href="#cw-mark-3-1"' in html
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
    abstained = answer_html(0, Answer(question="q", answer="no", abstained=True, mode="extractive"))
    assert "cw-badge-abstain" in abstained


def test_viewer_mark_text_is_the_quote_and_context_is_escaped():
    text = "Pre <b>bold</b> The quote. post"
    c = citation(quote="The quote.", start=text.index("The quote."))
    html = viewer_entry(0, c, text)
    assert re.search(r'<mark id="cw-mark-0-1">The quote\.</mark>', html)
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


def test_uploads_cannot_escape_and_are_checked(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("hello")
    uploads = tmp_path / "store" / "uploads"
    stored = accept(source, "../../outside.txt", uploads, 1000)
    assert stored.parent == uploads.resolve() and not (tmp_path / "outside.txt").exists()
    with pytest.raises(UploadRejected, match="not supported"):
        accept(source, "run.sh", uploads, 1000)
    with pytest.raises(UploadRejected, match="over the limit"):
        accept(source, "big.txt", uploads, 2)
    other = tmp_path / "other.txt"
    other.write_text("different")
    second = accept(other, "outside.txt", uploads, 1000)
    assert second != stored and stored.read_text() == "hello"


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


def test_question_box_is_emptied_once_so_the_next_question_typed_while_streaming_survives(handlers):
    from ui.web import chat_updates

    updates = list(chat_updates(handlers.respond("How many reservists were called up?", [])))
    assert len(updates) > 1, "the answer should stream in several updates"
    question_outputs = [update[-1] for update in updates]
    assert question_outputs[0] == ""
    # The emptying update already shows the question as pending, so the box never empties unseen.
    assert "How many reservists were called up?" in updates[0][0] and "▌" in updates[0][0]
    assert "▌" not in updates[-1][0]
    # Later updates leave the box alone (a Gradio update without a value), whatever it holds by then.
    assert all(isinstance(out, dict) and "value" not in out for out in question_outputs[1:])
    assert updates[-1][0] == list(handlers.respond("How many reservists were called up?", []))[-1].conversation


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
