"""Encoder backends: `auto` per machine, conversions made once and whole, stores that keep their backend, and the
faster backends ranking real text as PyTorch float32 does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from helpers.cli import cli_env, run_cli, run_json
from helpers.corpora import DEMO_CORPUS, copy_demo
from index import encoders
from index.encoders import BackendError, model_key, resolve_backend

QUESTIONS = [
    "How many reservists were called up?",
    "Who announced the partial mobilization?",
    "When did Putin order the mobilization?",
    "What did the defense ministry video show?",
    "Which country's first mobilization since the Second World War?",
]


@pytest.mark.parametrize(
    ("machine", "installed", "expected"),
    [
        ("x86_64", True, "openvino-int8"),
        ("aarch64", True, "openvino-int8"),
        ("x86_64", False, "torch"),
        ("riscv64", True, "torch"),
    ],
)
def test_auto_takes_openvino_int8_only_where_openvino_runs(monkeypatch, machine, installed, expected):
    monkeypatch.setattr(encoders.platform, "machine", lambda: machine)
    monkeypatch.setattr(encoders, "find_spec", lambda name: object() if installed else None)
    assert resolve_backend("auto") == expected
    assert resolve_backend("onnx") == "onnx"  # a backend asked for by name is taken as it is


def test_an_unknown_backend_is_refused_with_the_choices(monkeypatch):
    from pydantic import ValidationError

    from index.settings import IndexSettings

    with pytest.raises(BackendError, match="openvino-int8"):
        resolve_backend("openvino-fp8")
    monkeypatch.setenv("CITEWISE_EMBEDDING_BACKEND", "tensorrt")
    with pytest.raises(ValidationError, match=r"embedding\.backend"):
        IndexSettings()


def test_a_conversion_is_cached_whole_or_not_at_all(tmp_path):
    """A conversion killed half-way must not leave a model file that the next start would load."""
    cache = tmp_path / "encoders" / "model-1" / "openvino"
    calls = []

    def broken(target: Path) -> None:
        target.write_text("half a model")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        encoders._cached(cache, "model.xml", broken)
    assert not cache.exists()
    assert list((tmp_path / "encoders" / "model-1").iterdir()) == []  # no scratch folder left behind

    def convert(target: Path) -> None:
        calls.append(target)
        target.write_text("<net/>")

    made = encoders._cached(cache, "model.xml", convert)
    assert made == cache / "model.xml" and made.read_text() == "<net/>"
    assert encoders._cached(cache, "model.xml", convert) == made
    assert len(calls) == 1  # the second start reads the cache


def test_the_model_key_follows_the_model_files(tmp_path):
    model = tmp_path / "my-model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (model / "weights.bin").write_bytes(b"\0" * 10)
    before = model_key(model)
    assert before.startswith("my-model-") and model_key(model) == before
    (model / "weights.bin").write_bytes(b"\1" * 11)  # fine-tuned in place: the converted copy is stale
    assert model_key(model) != before


# -- with the real bundled model


def demo_chunks(embeddings, tmp_path) -> list[str]:
    from index.library import Library
    from index.loaders import load
    from index.settings import IndexSettings

    library = Library(IndexSettings(store=tmp_path / "chunks", chunk_tokens=96), embeddings)
    return [c.text for p in sorted(DEMO_CORPUS.glob("*.txt")) for c in library.chunk(load(p), p.name)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "least_cosine", "within"),
    [("openvino", 0.9999, 1), ("onnx", 0.9999, 1), ("openvino-int8", 0.995, 2), ("torch-int8", 0.8, 3)],
)
def test_each_backend_ranks_real_text_as_torch_does(torch_embeddings, tmp_path, backend, least_cosine, within):
    """For every question, the chunk PyTorch float32 ranks first is among the backend's first `within` chunks."""
    from index.embedding import LocalEmbeddings

    chunks = demo_chunks(torch_embeddings, tmp_path)
    assert len(chunks) >= 12
    fast = LocalEmbeddings(dtype="float32", backend=backend, cache=tmp_path / "encoders")
    truth, got = torch_embeddings.encode(chunks + QUESTIONS), fast.encode(chunks + QUESTIONS)
    cosines = (truth * got).sum(axis=1)
    assert cosines.min() >= least_cosine, (backend, cosines.min())
    for n, question in enumerate(QUESTIONS):
        best = int(np.argmax(truth[: len(chunks)] @ truth[len(chunks) + n]))
        ranked = list(np.argsort(-(got[: len(chunks)] @ got[len(chunks) + n])))
        assert ranked.index(best) < within, (backend, question, best, ranked[:3])
    if backend in ("openvino", "openvino-int8", "onnx"):
        assert list((tmp_path / "encoders").glob(f"*/{backend}/model.*")), "converted once, into the cache"


@pytest.mark.slow
def test_a_repeated_text_is_encoded_once_and_gets_the_same_vector(torch_embeddings, monkeypatch):
    texts = ["The Rhine flows north.", "Cologne has a cathedral.", "The Rhine flows north."]
    seen = []
    model = torch_embeddings.model  # what the texts reach: the sentence-transformers model
    encode = model.encode
    monkeypatch.setattr(model, "encode", lambda batch, **kw: seen.append(list(batch)) or encode(batch, **kw))
    vectors = torch_embeddings.encode(texts)
    assert seen == [texts[:2]]
    assert np.array_equal(vectors[0], vectors[2])
    assert np.allclose(vectors[1], torch_embeddings.encode([texts[1]])[0], atol=1e-6)


@pytest.mark.slow
def test_a_store_answers_with_the_backend_that_built_it(torch_embeddings, tmp_path):
    from index.errors import StoreError
    from rag import Assistant

    store = tmp_path / "store"
    built = Assistant.open(store=store, embeddings=torch_embeddings)
    built.ingest([copy_demo(tmp_path / "docs")])
    assert built.library.encoder()["backend"] == "torch"

    reopened = Assistant.open(store=store, embedding_backend="auto")  # auto would pick openvino-int8 here
    assert reopened.library.encoder() | {"model": None} == {
        "backend": "torch",
        "chosen_by": "store",
        "dtype": "float32",
        "model": None,
        "fallback": None,
    }
    hits = reopened.search(QUESTIONS[0], k=3)
    assert hits and "reservists" in " ".join(p.text for p in hits)

    with pytest.raises(StoreError) as refused:
        Assistant.open(store=store, embedding_backend="openvino")
    assert "'torch'" in str(refused.value) and "'openvino'" in str(refused.value) and str(store) in str(refused.value)

    with sqlite3.connect(store / "citewise.db") as db:  # a store made before backends were recorded
        db.execute("DELETE FROM settings WHERE key = 'encoder_backend'")
    assert Assistant.open(store=store).library.encoder()["backend"] == "torch"


@pytest.mark.slow
def test_the_cli_converts_once_into_the_store_sends_nothing_and_reports_the_backend(tmp_path):
    """`ingest --json` stays parseable while OpenVINO and NNCF convert; neither writes its telemetry files."""
    home, store = tmp_path / "home", tmp_path / "store"
    home.mkdir()
    env = cli_env(HOME=str(home), CITEWISE_STORE=str(store), CITEWISE_EMBEDDING_BACKEND="openvino-int8")
    code, report = run_json("ingest", copy_demo(tmp_path / "docs"), env=env)
    assert code == 0 and len(report["added"]) == 2
    assert report["encoder"]["backend"] == "openvino-int8" and report["encoder"]["chosen_by"] == "setting"
    converted = list((store / "encoders").glob("*/openvino-int8/model.xml"))
    assert len(converted) == 1
    assert not (home / "intel").exists()  # openvino_telemetry's client id and consent files

    stamp = converted[0].stat().st_mtime_ns
    code, listing = run_json("docs", env=cli_env(HOME=str(home), CITEWISE_STORE=str(store)))
    assert code == 0 and listing["encoder"]["backend"] == "openvino-int8" and len(listing["documents"]) == 2
    code, found = run_json("search", "How many reservists were called up?", env=env)
    assert code == 0 and found["passages"]
    assert converted[0].stat().st_mtime_ns == stamp  # loaded from the store, not converted again

    refused = run_cli(
        "docs", env=cli_env(HOME=str(home), CITEWISE_STORE=str(store), CITEWISE_EMBEDDING_BACKEND="torch")
    )
    assert refused.returncode != 0 and "openvino-int8" in refused.stderr and "torch" in refused.stderr


@pytest.mark.slow
def test_auto_falls_back_to_torch_for_a_new_store_when_its_choice_cannot_run(tmp_path):
    """A new user's first ingest must not fail because a conversion cannot run on their machine; the report
    says why, and the store records the backend that really encoded its vectors. Here the conversion fails for
    real: the store's encoders folder is a file, so the converted model has nowhere to go."""
    from rag import Assistant

    if resolve_backend("auto") == "torch":
        pytest.skip("auto already takes torch on this machine: there is nothing to fall back from")
    store = tmp_path / "store"
    store.mkdir()
    (store / "encoders").write_text("not a folder")

    assistant = Assistant.open(store=store, embedding_backend="auto")
    report = assistant.ingest([copy_demo(tmp_path / "docs")])
    assert not report.failed and len(report.added) == 2
    assert report.encoder["backend"] == "torch" and report.encoder["chosen_by"] == "auto"
    assert "openvino-int8 could not run here" in report.encoder["fallback"]
    assert assistant.library.catalog.setting("encoder_backend") == "torch"
    hits = assistant.search(QUESTIONS[0], k=3)
    assert hits and "reservists" in " ".join(p.text for p in hits)

    # A store whose vectors were made by openvino-int8 is never queried another way: the failure is the answer.
    assistant.library.catalog.set_setting("encoder_backend", "openvino-int8")
    with pytest.raises(BackendError, match="openvino-int8"):
        Assistant.open(store=store, embedding_backend="auto").search(QUESTIONS[0], k=3)

    # Nor is a backend asked for by name, even for a new store.
    other = tmp_path / "other"
    other.mkdir()
    (other / "encoders").write_text("not a folder")
    refused = Assistant.open(store=other, embedding_backend="openvino-int8").ingest([copy_demo(tmp_path / "more")])
    assert not refused.added and len(refused.failed) == 2
    assert all("'openvino-int8' backend" in outcome.reason for outcome in refused.failed)
