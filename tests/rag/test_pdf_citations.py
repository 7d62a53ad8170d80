"""A citation into a PDF carries its page and the boxes of its quote on the rendered page, in the Answer JSON,
and those boxes cover exactly the quoted characters where reportlab drew them."""

from __future__ import annotations

from helpers.pdfs import assert_highlight_covers, draw_pdf
from rag import Assistant

LINES = [
    "The Larkfield lighthouse was lit in 1871 by its keeper,",
    "Ada Brook, who kept the lamp burning through the storm.",
]


def test_pdf_citations_carry_boxes_that_cover_the_quote(tmp_path, fake_embeddings):
    docs = tmp_path / "docs"
    docs.mkdir()
    drawn = draw_pdf(docs / "lighthouse.pdf", [[], [(72, 120 + 14 * i, line) for i, line in enumerate(LINES)]])
    (docs / "ferry.txt").write_text("The Osterby ferry sails at dawn. It carries twelve cars.")
    assistant = Assistant.open(store=tmp_path / "store", embeddings=fake_embeddings, abstain_threshold=0.0)
    assistant.ingest([docs])
    answer = assistant.ask("Who kept the lamp of the Larkfield lighthouse burning?")
    cited = [c for c in answer.citations if c.source.endswith(".pdf")]
    assert cited, answer.to_dict()
    for citation in cited:
        stored = assistant.document(citation.doc_id)
        assert stored.text[citation.start : citation.end] == citation.quote
        assert citation.page == 2 and {box[0] for box in citation.boxes} == {2}
        assert_highlight_covers(stored, citation.start, citation.end, drawn)
        assert citation.to_dict()["boxes"] == [[2, *(round(v, 2) for v in box[1:])] for box in citation.boxes]
    assert all("boxes" not in c.to_dict() for c in answer.citations if c.source.endswith(".txt"))


def test_page_images_are_made_once_and_forgotten_with_their_document(tmp_path, fake_embeddings):
    """The viewer's page images are rendered on first use, reused after, and deleted when the document is."""
    from ui.handlers import Handlers

    docs = tmp_path / "docs"
    docs.mkdir()
    draw_pdf(docs / "lighthouse.pdf", [[(72, 120 + 14 * i, line) for i, line in enumerate(LINES)]])
    assistant = Assistant.open(store=tmp_path / "store", embeddings=fake_embeddings, abstain_threshold=0.0)
    assistant.ingest([docs])
    handlers = Handlers(assistant)
    answer = assistant.ask("Who kept the lamp of the Larkfield lighthouse burning?")
    (citation,) = [c for c in answer.citations if c.source.endswith(".pdf")][:1]
    image = handlers.pages.image(citation.doc_id, citation.source, 1)
    made = image.stat().st_mtime_ns
    assert handlers.pages.image(citation.doc_id, citation.source, 1).stat().st_mtime_ns == made
    assert "Deleted 1 document" in handlers.delete([citation.doc_id])
    assert not image.exists() and not image.parent.exists()


def test_a_page_renders_from_the_database_when_its_file_is_not_on_this_machine(tmp_path, fake_embeddings):
    """Another server's upload, or a moved file: the page image is made from the original bytes the database
    keeps, identical to the one made from the file."""
    from ui.handlers import Handlers

    docs = tmp_path / "docs"
    docs.mkdir()
    draw_pdf(docs / "lighthouse.pdf", [[(72, 120 + 14 * i, line) for i, line in enumerate(LINES)]])
    assistant = Assistant.open(store=tmp_path / "store", embeddings=fake_embeddings, abstain_threshold=0.0)
    assistant.ingest([docs])
    (record,) = assistant.documents()
    from_file = Handlers(assistant).pages.image(record.doc_id, record.source, 1).read_bytes()
    (docs / "lighthouse.pdf").unlink()
    other = Assistant.open(store=tmp_path / "elsewhere", embeddings=fake_embeddings, database_url=(
        f"sqlite:///{tmp_path / 'store' / 'citewise.db'}"
    ))  # fmt: skip
    image = Handlers(other).pages.image(record.doc_id, record.source, 1)
    assert image is not None and image.read_bytes() == from_file
