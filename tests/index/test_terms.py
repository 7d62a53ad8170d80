"""One tokenizer: the terms answering looks up in the keyword index are the terms the index holds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.keyword import KeywordIndex
from index.terms import VERSION, stem, terms
from rag.text import content_terms


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Shaquille O'Neal joined", ["shaquill", "oneal", "join"]),
        ("the U.S. Army and the US Navy", ["u", "armi", "us", "navi"]),
        ("the NHL’s call-up of reserves", ["nhl", "call", "reserv"]),
        ("NHL's season", ["nhl", "season"]),
        ("2.5 million at example.com", ["2", "5", "million", "exampl", "com"]),
        ("Zürich didn't say", ["zürich"]),
    ],
)
def test_terms_of_possessives_abbreviations_and_hyphens(text, expected):
    """The spellings that used to split differently in the index ("neal", nothing for "U.S.") and in answering
    ("o'neal", "u.")."""
    assert terms(text) == expected


def test_stem_of_a_word_is_its_term():
    assert [stem(w) for w in ("O'Neal", "O’Neal’s", "NHL’s", "reserves")] == ["oneal", "oneal", "nhl", "reserv"]


def test_content_terms_are_in_the_index_vocabulary(fake_library, tmp_path):
    """What `content_terms` gives for a text, the keyword index built over that text holds, every term of it: the
    answerer's features look terms up there (a term it cannot find counts as unknown to the store)."""
    text = "Shaquille O'Neal told the U.S. press about the NHL’s call-up, Zürich and the 2.5% rise."
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(text)
    (docs / "b.txt").write_text("Another text entirely.")
    fake_library.ingest([docs])
    index = fake_library.keyword
    frequencies, chunks = index.document_frequencies(content_terms(text))
    assert chunks == 2 and set(frequencies) == set(content_terms(text)) and all(n == 1 for n in frequencies.values())
    best = index.search("O’Neal’s U.S. call-up", k=2)[0].chunk_id
    assert fake_library.catalog.chunk(best).text == text


def test_an_index_of_another_tokenizer_is_computed_again(fake_library, tmp_path):
    """The database records the tokenizer version of its keyword index; one made by another version is computed
    again from the stored texts when the store is opened, never mixed."""
    from sqlalchemy import delete, update

    from helpers.stores import consistent, keyword_postings
    from index.db import schema
    from index.keyword import TOKENIZER_SETTING
    from index.library import Library

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Shaquille O'Neal joined the Lakers.")
    fake_library.ingest([docs])
    expected = keyword_postings(fake_library)
    with fake_library.database.write() as db:  # an index as another tokenizer would have left it
        db.execute(delete(schema.postings))
        db.execute(
            update(schema.settings).where(schema.settings.c.key == TOKENIZER_SETTING).values(value=str(VERSION - 1))
        )
    assert keyword_postings(fake_library) == {}
    reopened = Library(fake_library.settings, fake_library.embeddings)
    assert keyword_postings(reopened) == expected and "oneal" in str(expected)
    assert reopened.catalog.setting(TOKENIZER_SETTING) == str(VERSION)
    consistent(reopened)


_PIECES = st.sampled_from(
    ["O'Neal", "O’Neal’s", "U.S.", "U.K.", "NHL’s", "call-up", "e.g.", "2.5", "1,000", "Zürich", "didn't", "the",
     "-", ".", "'", "’", " ", "\n", ",", "(", ")", "[1]", "x", "Mar-a-Lago", "snake_case", "COVID-19", "it's"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=12).map("".join))
def test_content_terms_are_the_index_terms_of_any_text(text):
    """For any text, answering's terms and the keyword index's are the same list, and cutting a long text into
    pieces at whitespace (as the index does) changes none."""
    assert content_terms(text) == KeywordIndex.tokenize([text])[0] == KeywordIndex.tokenize_in_pieces([text])[0]
