"""Words, stems and stop words: the one tokenizer of answering, checking and the question's features."""

from __future__ import annotations

import re
import string

from index.keyword import stemmer

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-.]*[A-Za-z0-9]|[A-Za-z0-9]")

STOPWORDS = frozenset(
    """
a about above after again against all am an and any are aren't as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just let me more most my myself no nor not of off
on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves also one many much ago said says
say tell told according s t
""".split()
)

QUESTION_WORDS = frozenset("what which who whom whose when where why how".split())


def words(text: str) -> list[str]:
    return _WORD.findall(text)


_POSSESSIVE = re.compile(r"['’]s$")


def stem(word: str) -> str:
    """The stem of a word, possessive dropped ("NHL’s" and "NHL's" -> "nhl")."""
    return stemmer().stemWord(_POSSESSIVE.sub("", word.lower()).strip("'’.-"))


def content_terms(text: str) -> list[str]:
    """Stemmed words that carry meaning (no stop words), in order; hyphenated words count by their parts."""
    terms = []
    for word in words(text):
        for part in word.split("-") if "-" in word else (word,):
            if part and part.lower() not in STOPWORDS and part.lower() not in QUESTION_WORDS:
                terms.append(stem(part))
    return terms


MIN_FAMILY_STEM = 5


def related(a: str, b: str) -> bool:
    """Stems of one word family ("reserv" of reserves, "reservist"): equal, or one extends the other."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= MIN_FAMILY_STEM and long.startswith(short)


_NO_PUNCTUATION = str.maketrans("", "", string.punctuation + "’‘“”")


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower().translate(_NO_PUNCTUATION)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())
