"""One tokenizer: the terms answering looks up in the keyword index are the terms the index holds."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.keyword import KeywordIndex
from index.terms import VERSION, stem, terms
from rag.text import content_terms


class _Catalog:
    """The two things the keyword index reads of a catalog: its texts and its generation."""

    def __init__(self, texts: dict[str, str], generation: int = 1):
        self.texts = texts
        self._generation = generation

    def generation(self) -> int:
        return self._generation

    def chunk_texts(self):
        return iter(self.texts.items())

    def document_texts(self):
        return iter(self.texts.items())


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


def test_content_terms_are_in_the_index_vocabulary(tmp_path):
    """What `content_terms` gives for a text, the keyword index built over that text holds, every term of it: the
    answerer's features look terms up there (a term it cannot find counts as unknown to the store)."""
    text = "Shaquille O'Neal told the U.S. press about the NHL’s call-up, Zürich and the 2.5% rise."
    index = KeywordIndex(tmp_path / "bm25", _Catalog({"doc-0": text, "doc-1": "Another text entirely."}))
    frequencies, chunks = index.document_frequencies(content_terms(text))
    assert chunks == 2 and set(frequencies) == set(content_terms(text)) and all(n == 1 for n in frequencies.values())
    assert index.search("O’Neal’s U.S. call-up", k=2)[0].chunk_id == "doc-0"


def test_an_index_of_another_tokenizer_is_rebuilt(tmp_path):
    """The saved index records the tokenizer's version; one saved by another version is rebuilt, never mixed."""
    catalog = _Catalog({"doc-0": "Shaquille O'Neal"})
    KeywordIndex(tmp_path / "bm25", catalog).refresh()
    state_file = tmp_path / "bm25" / "citewise.json"
    state = json.loads(state_file.read_text())
    assert state["tokenizer"] == VERSION
    state_file.write_text(json.dumps({**state, "tokenizer": VERSION - 1}))
    rebuilt = KeywordIndex(tmp_path / "bm25", catalog)
    assert rebuilt.document_frequencies(["oneal"]) == ({"oneal": 1}, 1)
    assert json.loads(state_file.read_text())["tokenizer"] == VERSION


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
