"""The whole settings object: every leaf described and reachable by exactly one flat name, and every
CITEWISE_* name the documentation gives still working."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from ui.settings import AppSettings

REPO = Path(__file__).parents[2]
NOT_SETTINGS = {"CITEWISE_DEBUG", "CITEWISE_SHARED"}
REMOVED = {"CITEWISE_YES_NO_SUPPORT"}
"""Settings the CHANGELOG records as removed (yes/no verdicts are the support checker's since 2026-12)."""
"""Variables of the prefix read elsewhere: the CLI's tracebacks, the tests' shared data folder."""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    import os

    for name in list(os.environ):
        if name.upper().startswith("CITEWISE_"):
            monkeypatch.delenv(name)


def fields(model: type[BaseModel], prefix: str = ""):
    for name, field in model.model_fields.items():
        yield f"{prefix}{name}", field
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            yield from fields(field.annotation, f"{prefix}{name}.")


def test_every_field_is_described():
    """The descriptions are the --help and OpenAPI text of the settings: behaviour, unit and range."""
    missing = [path for path, field in fields(AppSettings) if not (field.description or "").strip()]
    assert not missing


def test_descriptions_hold_no_measurement_history():
    """How a default was measured belongs in docs/tuning.md, not in the description."""
    history = re.compile(r"python -m bench|\d -> \d|measured", re.I)
    assert not [path for path, field in fields(AppSettings) if history.search(field.description or "")]


def test_every_leaf_has_exactly_one_flat_name():
    table = AppSettings.flat_names()
    leaves = AppSettings.leaf_paths()
    assert sorted(table.values()) == sorted(leaves)  # every leaf once, nothing else
    for name, path in table.items():
        assert name not in AppSettings.groups() or name == path.split(".")[0], name


def test_every_flat_name_reaches_its_field(tmp_path):
    """Built by flat name, each leaf holds the value given (checked on a value that differs from the default)."""
    table = AppSettings.flat_names()
    defaults = AppSettings(store=tmp_path)
    for name, path in table.items():
        group, _, field = path.partition(".")
        owner = getattr(defaults, group) if field else defaults
        default = getattr(owner, field or group)
        value = _another_value(path, default)
        if value is None:
            continue
        built = AppSettings(**{"store": tmp_path, name: value}) if name != "store" else AppSettings(store=value)
        got = getattr(getattr(built, group), field) if field else getattr(built, group)
        got = got.get_secret_value() if hasattr(got, "get_secret_value") else got
        assert got == value, name


def _another_value(path: str, default):
    special = {
        "storage.path": Path("/tmp/citewise-elsewhere"),
        "storage.chroma_url": "http://127.0.0.1:9",
        "embedding.model": None,  # must be a model folder: covered by the loading tests
        "embedding.dtype": "float32",
        "embedding.backend": "torch",
        "llm.model": "openai:gpt-4o-mini",
        "llm.base_url": "http://127.0.0.1:9/v1",
        "llm.api_key": "sk-test",
        "server.auth": "me:secret",
        "server.api_keys": "k1,k2",
        "server.allowed_hosts": "example.org",
        "profile": "general",
        "database.url": "postgresql://citewise:pw@127.0.0.1:5432/citewise",
        "ingest.mode": "queue",
        "reading.sentence_weight": 0.5,
        "reading.passage_weight": 0.5,
    }
    if path in special:
        return special[path]
    if isinstance(default, bool):
        return not default
    if isinstance(default, int):
        return default + 1 if path != "server.port" else 8080
    if isinstance(default, float):
        return default / 2 if default else 0.05
    if isinstance(default, str):
        return default + "x"
    raise AssertionError(f"no test value for {path}")


def test_every_documented_environment_name_sets_a_setting(monkeypatch, tmp_path):
    """Today's documented CITEWISE_* names (README, CHANGELOG, docs) keep working after the settings were grouped."""
    documented = set()
    for path in [REPO / "README.md", REPO / "CHANGELOG.md", *(REPO / "docs").glob("*.md")]:
        documented |= set(re.findall(r"CITEWISE_[A-Z_]*[A-Z]", path.read_text()))
    known = {f"CITEWISE_{name.upper()}" for name in AppSettings.flat_names()}
    nested = {
        f"CITEWISE_{group.upper()}__{f.upper()}"
        for group, model in AppSettings.groups().items()
        for f in model.model_fields
    }
    assert documented - NOT_SETTINGS - REMOVED <= known | nested
    assert not REMOVED & (known | nested)
    monkeypatch.setenv("CITEWISE_API_KEYS", "k1, k2")
    monkeypatch.setenv("CITEWISE_MAX_UPLOAD_MB", "3")
    settings = AppSettings(store=tmp_path)
    assert settings.server.api_key_list == ["k1", "k2"] and settings.server.max_upload_mb == 3


def test_the_tuning_document_names_real_settings():
    """docs/tuning.md keeps the measurements, one section per setting: each section names a leaf that exists."""
    text = (REPO / "docs" / "tuning.md").read_text()
    sections = re.findall(r"^## `([a-z_.]+)`", text, re.M)
    assert sections and set(sections) <= set(AppSettings.leaf_paths()) | {"profile"}
