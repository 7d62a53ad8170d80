"""The application's settings: flat names of the rag groups, and the profile resolved once, with validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rag.settings import PROFILES, AnsweringSettings, Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    import os

    for name in list(os.environ):
        if name.upper().startswith("CITEWISE_"):
            monkeypatch.delenv(name)


def test_flat_environment_names_set_the_rag_groups(monkeypatch):
    monkeypatch.setenv("CITEWISE_TOP_K", "7")
    monkeypatch.setenv("CITEWISE_ABSTAIN_THRESHOLD", "0.3")
    monkeypatch.setenv("CITEWISE_LLM", "openai:gpt-4o-mini")
    monkeypatch.setenv("CITEWISE_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("CITEWISE_LLM_TIMEOUT", "5")
    monkeypatch.setenv("CITEWISE_PROFILE", "general")
    settings = Settings()
    assert settings.retrieval.top_k == 7
    assert settings.answering.abstain_threshold == 0.3
    assert settings.llm.model == "openai:gpt-4o-mini" and settings.llm.timeout == 5
    assert settings.llm.api_key.get_secret_value() == "sk-secret" and "sk-secret" not in repr(settings)
    assert settings.profile == "general"


def test_nested_environment_names_set_the_rag_groups(monkeypatch):
    """`CITEWISE_LLM__MODEL` names the group's field, while `CITEWISE_LLM` (the flat name) is the model too."""
    monkeypatch.setenv("CITEWISE_RETRIEVAL__TOP_K", "7")
    monkeypatch.setenv("CITEWISE_LLM__MODEL", "ollama:llama3")
    settings = Settings()
    assert settings.retrieval.top_k == 7 and settings.llm.model == "ollama:llama3"


def test_renamed_fields_keep_their_flat_names():
    settings = Settings(answer_sentences=3, answer_documents=1, max_question_chars=100, llm="openai:x", top_k=3)
    assert settings.answering.max_sentences == 3 and settings.answering.max_documents == 1
    assert settings.questions.max_chars == 100 and settings.llm.model == "openai:x"
    assert settings.retrieval.top_k == 3


def test_the_flat_names_are_for_input_only():
    """Code reads the groups; a flat attribute fails instead of silently reading a stale copy."""
    with pytest.raises(AttributeError):
        Settings().top_k  # noqa: B018  (settings-rewrite: keep)


def test_a_profile_sets_its_values_and_explicit_ones_win():
    encyclopedia = Settings(profile="encyclopedia")
    assert encyclopedia.retrieval.title_links and encyclopedia.answering.lead_bonus == 0.1
    assert encyclopedia.answering.link_bonus == 0.1
    general = Settings(profile="general")
    assert not general.retrieval.title_links and general.answering.link_bonus == 0.0
    mine = Settings(profile="encyclopedia", title_links=False, answering={"lead_bonus": 0.3})
    assert not mine.retrieval.title_links and mine.answering.lead_bonus == 0.3 and mine.answering.link_bonus == 0.1


def test_auto_is_resolved_for_a_collection_into_new_validated_settings():
    """'auto' waits for the collection; `for_collection` returns new settings (the given ones unchanged) with
    the kind's values, keeping every value given explicitly, the environment's included."""
    auto = Settings(top_k=3, title_links=False)
    assert auto.profile == "auto" and not auto.retrieval.title_links and auto.answering.lead_bonus == 0.0
    resolved = auto.for_collection("encyclopedia")
    assert resolved is not auto and resolved.profile == "encyclopedia"
    assert resolved.answering.lead_bonus == 0.1 and resolved.answering.link_bonus == 0.1
    assert not resolved.retrieval.title_links and resolved.retrieval.top_k == 3
    assert auto.profile == "auto" and auto.answering.lead_bonus == 0.0
    assert resolved.for_collection("general") is resolved  # resolved once
    with pytest.raises(ValidationError, match="profile"):
        auto.for_collection("wiki")


def test_a_profile_changed_by_updated_is_worked_out_again():
    """The values a profile set are not taken for explicit ones when the profile changes."""
    encyclopedia = Settings(profile="encyclopedia", top_k=3)
    general = encyclopedia.updated(profile="general")
    assert not general.retrieval.title_links and general.answering.lead_bonus == 0.0
    assert general.retrieval.top_k == 3


def test_the_profiles_name_real_fields_with_valid_values():
    leaves = set(Settings.leaf_paths())
    for name, values in PROFILES.items():
        assert set(values) <= leaves, name
        assert Settings(profile=name)  # validates every value


def test_the_answering_group_is_the_answerers_policy():
    """No second set of defaults: the answerer reads the group it is given, with the settings' defaults."""
    import inspect

    from rag.answering import scoring

    for function in (scoring.score_sentences, scoring.choose):
        assert inspect.signature(function).parameters["policy"].default is inspect.Parameter.empty
    assert Settings().answering == AnsweringSettings()
