"""Collections in one store (index/collections.py, issue 24): each has its own documents, keyword statistics and
Chroma collection, so nothing of one reaches a search, listing or lookup of another; roles decide who may read and
who may change; removing one takes everything of it and nothing else; a job names its collection."""

from __future__ import annotations

import pytest

from index.accounts import Accounts, Principal
from index.collections import (
    CollectionError,
    Collections,
    ForbiddenError,
    UnknownCollectionError,
)
from index.errors import UnknownDocumentError
from index.library import Library
from index.settings import IndexSettings

SHARED = "Larkfield harbour\n\nThe harbour master counted 37 fishing boats and 12 yachts in 1890."
ONLY_A = "Osterby ferry\n\nThe Osterby ferry sails at dawn and carries twelve cars to Kelso."
ONLY_B = "Kelso bridge\n\nThe old bridge at Kelso was rebuilt in stone after the flood of 1797."


def _write(folder, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def two(tmp_path, fake_embeddings):
    """`default` holds the harbour and ferry files; `legal` the harbour file (same bytes) and the bridge one."""
    default = Library(IndexSettings(store=tmp_path / "store"), fake_embeddings)
    legal = default.sibling(Collections(default.database).create("legal"))
    default.ingest([_write(tmp_path / "a", {"harbour.txt": SHARED, "ferry.txt": ONLY_A})])
    legal.ingest([_write(tmp_path / "b", {"harbour.txt": SHARED, "bridge.txt": ONLY_B})])
    return default, legal


def test_the_same_file_in_two_collections_is_two_documents_and_nothing_crosses(two):
    default, legal = two
    titles = {lib.collection.name: {d.title for d in lib.documents()} for lib in two}
    assert titles == {"default": {"Larkfield harbour", "Osterby ferry"}, "legal": {"Larkfield harbour", "Kelso bridge"}}
    harbour = {lib.collection.name: next(d.doc_id for d in lib.documents() if "harbour" in d.title) for lib in two}
    assert harbour["default"] != harbour["legal"]
    assert default.vectors.name != legal.vectors.name
    assert legal.chroma is default.chroma  # one client per store: embedded Chroma refuses a second on its path
    assert default.vectors.count() == legal.vectors.count() == 2
    # Keyword search and its statistics see one collection only.
    own = {d.doc_id for d in default.documents()}
    found = default.keyword.search("Kelso bridge rebuilt in stone after the flood", 5)
    assert found and {h.chunk_id.rsplit("-", 1)[0] for h in found} <= own  # the ferry's "Kelso", never the bridge
    assert not any(h.chunk_id.startswith(harbour["default"]) for h in legal.keyword.search("harbour yachts", 5))
    assert len(default.keyword) == len(legal.keyword) == 2
    bridge = next(d.doc_id for d in legal.documents() if "bridge" in d.title)
    with pytest.raises(UnknownDocumentError):
        default.document(bridge)
    assert default.catalog.chunks([f"{bridge}-0"]) == {}
    with pytest.raises(UnknownDocumentError):
        default.remove([bridge])
    assert legal.document(bridge).title == "Kelso bridge"


def test_removing_in_one_collection_leaves_the_other_whole(two):
    default, legal = two
    harbour = next(d.doc_id for d in default.documents() if "harbour" in d.title)
    default.remove([harbour])
    assert {d.title for d in legal.documents()} == {"Larkfield harbour", "Kelso bridge"}
    assert legal.vectors.count() == 2 and len(legal.keyword) == 2
    assert [h.chunk_id for h in legal.keyword.search("harbour yachts", 1)]


def test_removing_a_collection_takes_its_documents_index_and_vectors(two, tmp_path, fake_embeddings):
    default, legal = two
    name = legal.vectors.name
    removed = legal.remove_collection()
    assert len(removed) == 2
    collections = Collections(default.database)
    assert [c.name for c in collections.all()] == ["default"]
    assert name not in [c.name for c in default.chroma.list_collections()]
    with default.database.read() as db:
        for table in ("terms", "keyword_stats", "postings", "doc_postings"):
            rows = db.exec_driver_sql(f"SELECT count(*) FROM {table} WHERE collection_id != 1").scalar_one()
            assert rows == 0, table
    assert {d.title for d in default.documents()} == {"Larkfield harbour", "Osterby ferry"}
    with pytest.raises(CollectionError, match="default collection cannot be removed"):
        default.remove_collection()
    again = default.sibling(collections.create("legal"))  # the name is free again, and starts empty
    assert again.documents() == [] and again.vectors.name != name


def test_roles_decide_reading_and_changing_and_no_access_looks_like_nothing(tmp_path, fake_embeddings):
    library = Library(IndexSettings(store=tmp_path / "store"), fake_embeddings)
    accounts, collections = Accounts(library.database), Collections(library.database)
    collections.create("legal")
    reader = Principal("rae", False, accounts.add_user("rae", "reader password").id)
    editor = Principal("ed", False, accounts.add_user("ed", "editor password").id)
    stranger = Principal("sy", False, accounts.add_user("sy", "another password").id)
    collections.grant("legal", "rae", "reader")
    collections.grant("legal", "ed", "editor")
    assert collections.open("legal", reader).name == "legal"
    with pytest.raises(ForbiddenError):
        collections.open("legal", reader, write=True)
    assert collections.open("legal", editor, write=True).name == "legal"
    assert collections.open("legal", Principal("root", True), write=True).name == "legal"
    with pytest.raises(UnknownCollectionError) as forbidden:
        collections.open("legal", stranger)
    with pytest.raises(UnknownCollectionError) as missing:
        collections.open("nosuch", stranger)
    assert str(forbidden.value).replace("legal", "X") == str(missing.value).replace("nosuch", "X")
    assert [c.name for c in collections.readable(stranger)] == []
    assert [c.name for c in collections.readable(reader)] == ["legal"]
    assert collections.grants("legal") == {"ed": "editor", "rae": "reader"}
    collections.revoke("legal", "rae")
    with pytest.raises(UnknownCollectionError):
        collections.open("legal", reader)
    with pytest.raises(CollectionError, match="role 'owner'"):
        collections.grant("legal", "ed", "owner")
    with pytest.raises(CollectionError, match="'Bad Name'"):
        collections.create("Bad Name")


def test_a_queued_job_is_indexed_into_its_own_collection(tmp_path, fake_embeddings):
    from index.queueing import enqueue, wait
    from index.worker import Worker

    default = Library(IndexSettings(store=tmp_path / "store", ingest_mode="queue"), fake_embeddings)
    legal = default.sibling(Collections(default.database).create("legal"))
    enqueued = enqueue(legal, [_write(tmp_path / "b", {"bridge.txt": ONLY_B})])
    assert Worker(default).run(max_jobs=1) == 1  # a worker opened on `default` serves every collection
    report = wait(legal, enqueued)
    assert [o.path for o in report.added] and not report.failed
    assert [d.title for d in legal.documents()] == ["Kelso bridge"]
    assert default.documents() == []


def test_a_process_that_opened_before_another_bound_the_vectors_finds_them(tmp_path, fake_embeddings, chroma_server):
    """Two processes of one database (here two libraries with their own store folders and Chroma clients): the
    second opened while the store was empty, the first then bound `default` to its Chroma collection and added a
    document. The second must read the binding again, not refuse the store as bound elsewhere (a race seen in CI:
    a worker's jobs failed with "indexes the Chroma collection 'citewise', not ...")."""
    database_url = f"sqlite:///{tmp_path}/team.db"
    settings = {"chroma_url": chroma_server, "chroma_collection": "team-vectors", "database_url": database_url}
    first = Library(IndexSettings(store=tmp_path / "a", **settings), fake_embeddings)
    second = Library(IndexSettings(store=tmp_path / "b", **settings), fake_embeddings)
    first.ingest([_write(tmp_path / "docs", {"bridge.txt": ONLY_B})])
    assert second.vectors.name == "team-vectors" and second.vectors.count() == 1
