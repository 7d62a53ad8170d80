"""Any exception while loading, chunking or embedding one file fails that file only, with a reason a user can act
on; the other files are indexed, the three stores stay in step, and fixing the cause indexes the file."""

from __future__ import annotations

import pytest

import index.ingestion
from helpers.corpora import PROSE
from helpers.stores import consistent
from index import loaders
from index.errors import failure_reason


class ParserExploded(Exception):
    """An exception type no code of ours knows about."""


def mixed_folder(folder):
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("Alpha notes\n\n" + PROSE)
    (folder / "b.txt").write_text("Beta notes\n\nThe heron nests by the lake. Otters were seen at dawn.")
    (folder / "page.html").write_text(
        "<html><body><article><p>Gamma: the Danube reaches the Black Sea.</p></article></body></html>"
    )
    return folder


def by_path(outcomes) -> dict[str, str | None]:
    return {outcome.path.rsplit("/", 1)[-1]: outcome.reason for outcome in outcomes}


def test_a_loader_raising_an_unknown_exception_fails_only_its_file(fake_library, tmp_path, monkeypatch):
    docs = mixed_folder(tmp_path / "docs")

    def exploding_loader(data, path):
        raise ParserExploded("tree depth exceeded at byte 17")

    monkeypatch.setitem(loaders._LOADERS, ".html", exploding_loader)
    report = fake_library.ingest([docs])
    assert set(by_path(report.added)) == {"a.txt", "b.txt"}
    reason = by_path(report.failed)["page.html"]
    assert "ParserExploded" in reason and "tree depth exceeded" in reason and ".html" in reason
    assert len(consistent(fake_library)) >= 2

    monkeypatch.undo()  # the cause is fixed: the next run indexes the file and nothing else changes
    again = fake_library.ingest([docs])
    assert set(by_path(again.added)) == {"page.html"} and not again.failed
    assert set(by_path(again.unchanged)) == {"a.txt", "b.txt"}
    text = fake_library.document(again.added[0].doc_id).text
    assert "Danube reaches the Black Sea" in text
    consistent(fake_library)


def test_a_missing_html_package_names_what_to_install(fake_library, tmp_path, monkeypatch):
    """What a stock pip did: lxml without its html_clean extra, so trafilatura's import failed at run time."""
    docs = mixed_folder(tmp_path / "docs")

    def loader_without_lxml_clean(data, path):
        raise ImportError(
            "lxml.html.clean module is now a separate project lxml_html_clean.\n"
            "Install lxml[html_clean] or lxml_html_clean directly."
        )

    monkeypatch.setitem(loaders._LOADERS, ".html", loader_without_lxml_clean)
    report = fake_library.ingest([docs])
    assert len(report.added) == 2
    reason = by_path(report.failed)["page.html"]
    assert "pip install lxml_html_clean" in reason and "\n" not in reason


def test_chunking_failure_fails_only_that_file(fake_library, tmp_path, monkeypatch):
    docs = mixed_folder(tmp_path / "docs")
    real_pack = index.ingestion.pack_chunks

    def pack_or_fail(text, *args, **kwargs):
        if "heron" in text:
            raise IndexError("list index out of range")
        return real_pack(text, *args, **kwargs)

    monkeypatch.setattr(index.ingestion, "pack_chunks", pack_or_fail)
    report = fake_library.ingest([docs])
    reason = by_path(report.failed)["b.txt"]
    assert "IndexError" in reason and "chunks" in reason
    assert set(by_path(report.added)) == {"a.txt", "page.html"}
    consistent(fake_library)


def test_encoder_failure_on_one_file_keeps_the_rest_of_its_group(fake_library, fake_embeddings, tmp_path, monkeypatch):
    docs = mixed_folder(tmp_path / "docs")
    real_encode = fake_embeddings.encode

    def encode_or_fail(texts):
        if any("Otters" in text for text in texts):
            raise RuntimeError("CUDA error: device-side assert triggered")
        return real_encode(texts)

    monkeypatch.setattr(fake_embeddings, "encode", encode_or_fail)
    report = fake_library.ingest([docs])
    reason = by_path(report.failed)["b.txt"]
    assert "RuntimeError while computing embeddings" in reason
    assert set(by_path(report.added)) == {"a.txt", "page.html"}
    assert {record.title for record in fake_library.documents()} >= {"Alpha notes"}
    consistent(fake_library)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ModuleNotFoundError("No module named 'docx'", name="docx"), "pip install python-docx"),
        (ModuleNotFoundError("No module named 'bs4'", name="bs4"), "pip install beautifulsoup4"),
        (MemoryError(), "out of memory"),
        (ValueError(""), "unexpected ValueError while reading .pdf files (the file may be damaged"),
    ],
)
def test_failure_reasons_say_what_to_do(exc, expected):
    reason = failure_reason(exc, "reading .pdf files")
    assert expected in reason and "\n" not in reason
