"""The 'auto' profile reads the kind of collection off its documents: documents titled by a name that other
documents mention (a wiki) get the encyclopedia habits, anything else the general ones."""

from __future__ import annotations

from pathlib import Path

from rag import Assistant
from rag.retrieval.profile import MIN_DOCUMENTS, collection_profile, linked_share
from rag.settings import Settings

PEOPLE = [f"Alder Quillon {chr(65 + i)}" for i in range(MIN_DOCUMENTS + 4)]


def write_wiki(folder: Path) -> Path:
    """One document per person, titled by the name, each naming the next person (a linked collection)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(PEOPLE):
        neighbour = PEOPLE[(i + 1) % len(PEOPLE)]
        (folder / f"{name}.md").write_text(
            f"# {name}\n\n{name} is a cartographer born in town {i}. {name} trained under {neighbour} for years.\n"
        )
    return folder


def write_news(folder: Path) -> Path:
    """Articles titled by headline: no title is a name that another article writes."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(MIN_DOCUMENTS + 4):
        (folder / f"story-{i}.md").write_text(
            f"# Harbour council approves plan number {i} after long debate\n\n"
            f"The council of Port Vell approved plan {i} on Tuesday. Alder Quillon spoke against it.\n"
        )
    return folder


def test_linked_share_counts_documents_naming_another_title():
    titles = {"ada lin": ["a"], "bo chen": ["b"], "cy park": ["c"]}
    texts = {"a": "Ada Lin met Bo Chen.", "b": "Bo Chen wrote alone.", "c": "Cy Park and Cy Park again."}
    assert linked_share(["a", "b", "c"], titles, texts.get) == 1 / 3  # only a names another document
    assert collection_profile(["a", "b", "c"], titles, texts.get) == "general"  # too few to tell


def test_auto_profile_follows_the_collection(tmp_path, fake_embeddings):
    wiki = Assistant.open(store=tmp_path / "wiki", embeddings=fake_embeddings)
    wiki.ingest([write_wiki(tmp_path / "wiki-docs")])
    assert wiki.settings.profile == "auto" and wiki.profile == "encyclopedia"
    assert wiki.retrieval.settings.retrieval.title_links and wiki.retrieval.settings.answering.lead_bonus > 0

    news = Assistant.open(store=tmp_path / "news", embeddings=fake_embeddings)
    news.ingest([write_news(tmp_path / "news-docs")])
    assert news.profile == "general" and not news.retrieval.settings.retrieval.title_links


def test_auto_profile_is_decided_again_when_the_collection_changes(tmp_path, fake_embeddings):
    assistant = Assistant.open(store=tmp_path / "store", embeddings=fake_embeddings)
    assistant.ingest([write_news(tmp_path / "news-docs")])
    assert assistant.profile == "general"
    assistant.ingest([write_wiki(tmp_path / "wiki-docs")])  # now half of it is a linked wiki
    assert assistant.profile == "encyclopedia"


def test_an_explicit_profile_or_setting_wins_over_auto(tmp_path, fake_embeddings):
    write_wiki(tmp_path / "wiki-docs")
    general = Assistant.open(store=tmp_path / "s", embeddings=fake_embeddings, profile="general")
    general.ingest([tmp_path / "wiki-docs"])
    assert general.profile == "general" and not general.retrieval.settings.retrieval.title_links
    no_links = Assistant.open(store=tmp_path / "s", embeddings=fake_embeddings, title_links=False)
    assert no_links.profile == "encyclopedia" and not no_links.retrieval.settings.retrieval.title_links
    assert no_links.retrieval.settings.answering.lead_bonus == 0.1
    assert Settings(profile="encyclopedia").retrieval.title_links and not Settings().retrieval.title_links
