"""Words, stems and stop words: the one tokenizer of Citewise. The keyword index (BM25) indexes and searches
`terms`, and every feature of answering and checking (`rag.text.content_terms`) uses the same function, so a
term looked up in the index's vocabulary is spelled as the index spells it.

A word is a run of letters and digits, joined by apostrophes, full stops and hyphens ("O'Neal", "U.S", "2.5",
"call-up"). Its terms: lower case; a possessive or contraction ending dropped ("NHL’s" -> "nhl", "she'll" ->
"she") and other apostrophes taken out ("O'Neal" -> "oneal", "didn't" -> "didnt"); full stops and hyphens cut
it into parts ("call-up" -> "call", "up"; "U.S." -> "u", "s"; "2.5" -> "2", "5"), as BM25 always cut them; stop
words out (the "s" of "U.S." too); the rest stemmed by the English Snowball stemmer.

Measured against other choices on both dev sets (python -m bench.devsets, see the CHANGELOG): joining initials
("U.S." -> "us", like "US") or keeping decimals ("2.5") as one term, dropping one-letter words, or bm25s's
short stop list each did worse than this on at least one set.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache

VERSION = 2
"""The tokenizer's version, saved with a keyword index: an index built by another version is rebuilt. Raise it
whenever `terms` would tokenize any text differently. (1: bm25s's own tokenizer, until 2026-12.)"""

WORD = re.compile(r"[^\W_]+(?:['’.\-]+[^\W_]+)*")
"""A word: letters and digits, joined inside by apostrophes, full stops and hyphens."""

_STOPWORDS_AS_WRITTEN = """
a about above after again against all am an and any are aren't as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just let me more most my myself no nor not of off
on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom whose why will with would you your yours yourself yourselves also one many much ago said
says say tell told according s t
don't doesn't didn't isn't wasn't weren't can't won't wouldn't shouldn't couldn't hasn't haven't hadn't
""".split()
_CONTRACTION = re.compile(r"'(?:s|re|ll|ve|m|d)$")
_CUT = re.compile(r"[.\-]+")


def _normalised(word: str) -> str:
    """Lower case, possessive or contraction ending dropped, other apostrophes out; hyphens and full stops kept."""
    lowered = _CONTRACTION.sub("", word.lower().replace("’", "'"))
    return lowered.replace("'", "")


STOPWORDS = frozenset(_STOPWORDS_AS_WRITTEN) | frozenset(_normalised(w) for w in _STOPWORDS_AS_WRITTEN)
"""Words that carry no meaning of their own, as written and as `terms` normalises them ("aren't", "arent")."""


_local = threading.local()


def stemmer():
    """The English Snowball stemmer, one per thread: a PyStemmer stemmer "must not be called concurrently", and a
    keyword index builds in a thread of its own while questions are answered."""
    found = getattr(_local, "stemmer", None)
    if found is None:
        import Stemmer

        found = _local.stemmer = Stemmer.Stemmer("english")
    return found


def words(text: str) -> list[str]:
    """The words of a text, as written."""
    return WORD.findall(text)


def _parts(normalised: str) -> list[str]:
    return [part for part in _CUT.split(normalised) if part and part not in STOPWORDS]


@lru_cache(maxsize=1 << 16)
def word_terms(word: str) -> tuple[str, ...]:
    """The terms of one word (see the module's description)."""
    return tuple(stemmer().stemWords(_parts(_normalised(word))))


def stem(word: str) -> str:
    """The stem of one word as a whole ("NHL’s" -> "nhl", "O'Neal" -> "oneal", "reserves" -> "reserv"): its term
    when it has one part; a word of several parts ("call-up") stays one stem, which no term equals."""
    return stemmer().stemWord(_normalised(word).strip(".-"))


def terms(text: str) -> list[str]:
    """The stemmed words of a text that carry meaning, in order: what the keyword index indexes for it."""
    return [term for word in WORD.findall(text) for term in word_terms(word)]


def terms_of_texts(texts: Iterable[str]) -> list[list[str]]:
    """`terms` of each text, each distinct word stemmed once (a 40 MB document has some 7 million words, a few
    hundred thousand distinct)."""
    known: dict[str, tuple[str, ...]] = {}
    stems = stemmer().stemWords
    result = []
    for text in texts:
        row: list[str] = []
        for word in WORD.findall(text):
            found = known.get(word)
            if found is None:
                found = known[word] = tuple(stems(_parts(_normalised(word))))
            row.extend(found)
        result.append(row)
    return result
