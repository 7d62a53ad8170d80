"""The settings machinery on the index layer's groups: flat and nested names in arguments and the environment,
their precedence, and loud failures for unknown or doubled names."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from index.settings import ChunkingSettings, IndexSettings, StorageSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No CITEWISE_* variable of the machine running the tests leaks into these."""
    import os

    for name in list(os.environ):
        if name.upper().startswith("CITEWISE_"):
            monkeypatch.delenv(name)


def test_flat_keywords_are_routed_into_their_groups(tmp_path):
    """`IndexSettings(store=..., chunk_tokens=...)` is how tests, benchmarks and the CLI have always built them."""
    settings = IndexSettings(store=tmp_path, chunk_tokens=96, embedding_backend="torch", max_file_mb=1)
    assert settings.storage.path == tmp_path
    assert settings.chunking.tokens == 96
    assert settings.embedding.backend == "torch"
    assert settings.ingest.max_file_mb == 1 and settings.ingest.max_file_bytes == 1_000_000


def test_groups_are_given_as_dicts_or_models(tmp_path):
    by_dict = IndexSettings(storage={"path": tmp_path, "collection": "c"}, chunking={"tokens": 64})
    by_model = IndexSettings(
        storage=StorageSettings(path=tmp_path, collection="c"), chunking=ChunkingSettings(tokens=64)
    )
    assert by_dict == by_model
    assert by_dict.storage.collection == "c" and by_dict.chunking.tokens == 64


def test_flat_environment_names_keep_working(monkeypatch, tmp_path):
    """Every documented CITEWISE_<NAME> of the flat settings still sets its field."""
    monkeypatch.setenv("CITEWISE_STORE", str(tmp_path))
    monkeypatch.setenv("CITEWISE_CHROMA_URL", "http://127.0.0.1:8000/")
    monkeypatch.setenv("citewise_chunk_tokens", "96")  # case-insensitive, as pydantic-settings was
    monkeypatch.setenv("CITEWISE_LOAD_SECONDS", "0.5")
    settings = IndexSettings()
    assert settings.storage.path == tmp_path
    assert settings.storage.chroma_url == "http://127.0.0.1:8000"
    assert settings.chunking.tokens == 96
    assert settings.ingest.load_seconds == 0.5


def test_nested_environment_names_work(monkeypatch):
    monkeypatch.setenv("CITEWISE_CHUNKING__TOKENS", "64")
    monkeypatch.setenv("CITEWISE_EMBEDDING__BACKEND", "torch")
    settings = IndexSettings()
    assert settings.chunking.tokens == 64 and settings.embedding.backend == "torch"


def test_arguments_win_over_the_environment_in_either_form(monkeypatch, tmp_path):
    monkeypatch.setenv("CITEWISE_CHUNKING__TOKENS", "64")
    monkeypatch.setenv("CITEWISE_MAX_FILE_MB", "3")
    settings = IndexSettings(chunk_tokens=96, ingest={"max_file_mb": 7})
    assert settings.chunking.tokens == 96 and settings.ingest.max_file_mb == 7
    untouched = IndexSettings(store=tmp_path)
    assert untouched.chunking.tokens == 64 and untouched.ingest.max_file_mb == 3


def test_an_unknown_name_fails_naming_it_and_the_valid_ones():
    """A typo must not be ignored silently (extra="forbid"); the message suggests the name meant."""
    with pytest.raises(ValidationError) as caught:
        IndexSettings(chunk_token=96)
    message = str(caught.value)
    assert "unknown setting 'chunk_token'" in message and "did you mean 'chunk_tokens'" in message
    assert "store" in message and "chunking" in message


def test_an_unknown_field_of_a_group_fails():
    with pytest.raises(ValidationError, match=r"chunking\.size"):
        IndexSettings(chunking={"size": 3})


def test_an_unknown_nested_environment_field_fails(monkeypatch):
    monkeypatch.setenv("CITEWISE_CHUNKING__SIZE", "3")
    with pytest.raises(ValidationError, match=r"chunking\.size"):
        IndexSettings()


def test_other_variables_of_the_prefix_are_left_alone(monkeypatch):
    """CITEWISE_DEBUG and CITEWISE_SHARED are read by the CLI and the tests, not by the settings."""
    monkeypatch.setenv("CITEWISE_DEBUG", "1")
    monkeypatch.setenv("CITEWISE_SHARED", "/nowhere")
    assert IndexSettings() == IndexSettings.model_validate({})


def test_one_field_given_twice_is_refused_naming_both(monkeypatch):
    with pytest.raises(ValidationError, match="given twice"):
        IndexSettings(chunk_tokens=96, chunking={"tokens": 64})
    monkeypatch.setenv("CITEWISE_CHUNK_TOKENS", "96")
    monkeypatch.setenv("CITEWISE_CHUNKING__TOKENS", "64")
    with pytest.raises(ValidationError, match="CITEWISE_CHUNK_TOKENS and CITEWISE_CHUNKING__TOKENS"):
        IndexSettings()


def test_values_are_validated_in_their_group(tmp_path):
    with pytest.raises(ValidationError, match=r"chunking\.tokens"):
        IndexSettings(chunk_tokens=8)
    with pytest.raises(ValidationError, match="chroma_url must look like"):
        IndexSettings(chroma_url="ftp://x")
    assert IndexSettings(store="~/s").storage.path == Path("~/s").expanduser()


def test_settings_are_immutable_and_updated_into_new_ones(tmp_path):
    """Resolved once: nothing changes a settings object after construction; `updated` validates a new one."""
    settings = IndexSettings(store=tmp_path, chunk_tokens=96)
    with pytest.raises(ValidationError):
        settings.chunking = ChunkingSettings(tokens=64)  # type: ignore[misc]
    with pytest.raises(ValidationError):
        settings.chunking.tokens = 64  # type: ignore[misc]
    changed = settings.updated(max_file_mb=2)
    assert changed.ingest.max_file_mb == 2 and changed.chunking.tokens == 96 and changed.storage.path == tmp_path
    assert settings.ingest.max_file_mb == 50
    with pytest.raises(ValidationError, match=r"chunking\.tokens"):
        settings.updated(chunk_tokens=8)


def test_errors_are_described_with_their_environment_name():
    assert IndexSettings.describe(("chunking", "tokens")) == "chunking.tokens (CITEWISE_CHUNK_TOKENS)"
    assert IndexSettings.describe(("nothing",)) == "nothing"
