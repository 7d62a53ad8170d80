"""Names: capitalised words and phrases as a cheap stand-in for named entities, all in one place.

Each heuristic answers its own question, and they differ on purpose:

- `proper_names`: which single words of a text are names (lower case, function words out, "iPhone" in): what the
  reader weighs double and the checker insists on.
- `missing_name` / `unmentioned_names`: the names of a claim (question) that a cited text (the passages) lacks,
  by stem / by substring.
- `capitalised_words`: words opening with a capital as written, cut at any non-alphanumeric ("CNN's" -> "CNN"):
  a question naming a publisher.
- `name_runs`: runs of two or more capitalised words not opening the text ("West Virginia"), lower case: a
  multi-word name must appear whole in a cited span.
- `without_names`: the text without the capitalised runs (single words too, "&" and "." inside) a test rejects:
  a claim without the names of its sources.
- `answer_names`: name phrases with their joining words and numbers ("Statue of Liberty", "Apollo 11",
  "Blink-182"), with spans: answer candidates.
- `title_phrases`: normalised capitalised phrases and their sub-phrases, plus quoted strings: candidate titles of
  documents (an encyclopedia's links).
- `NAMED_THING` / `is_named_thing`: a thing a question names among alternatives ("the Eiffel Tower or the Statue
  of Liberty"), quoted titles and numbers included.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.text.tokens import STOPWORDS, stem, words


def proper_names(text: str) -> set[str]:
    """Capitalised words that are not sentence-initial function words: a cheap stand-in for named entities."""
    names = set()
    tokens = words(text)
    for index, token in enumerate(tokens):
        capitalised = token[:1].isupper() or any(c.isupper() for c in token[1:])  # "Putin", "iPhone"
        if capitalised and token.lower() not in STOPWORDS and (index > 0 or len(token) > 1):
            names.add(token.lower().strip(".'’"))
    return names


def missing_name(claim: str, cited: str) -> str | None:
    """The first name of the claim (as written, after its first word, possessive dropped) whose stem the cited text
    does not hold."""
    names = proper_names(claim)
    cited_stems = {stem(w) for w in words(cited)}
    for word in words(claim)[1:]:
        if word.lower().strip(".'’") in names and stem(word) not in cited_stems:
            return re.sub(r"['’]s$", "", word)
    return None


def unmentioned_names(question: str, seen: str) -> list[str]:
    """Names of the question (as written, not opening a sentence) that `seen` (lower case) does not contain."""
    names = proper_names(question)
    missing = []
    for match in re.finditer(r"\S+", question):
        word = match.group(0).strip(".,;:!?\"'“”‘’()")
        opens_sentence = not question[: match.start()].strip() or question[: match.start()].rstrip()[-1] in ".:?!"
        key = word.lower().strip(".'’")
        if key in names and not opens_sentence and key not in seen and word not in missing:
            missing.append(word)
    return missing


_CAPITALISED_WORD = re.compile(r"\b[A-Z][A-Za-z0-9]*\b")


def capitalised_words(text: str) -> list[str]:
    """Words opening with a capital, as written, cut at any other character ("CNN's" -> "CNN", "the Guardian")."""
    return _CAPITALISED_WORD.findall(text)


_FUNCTION_WORDS = frozenset({"the", "a", "an", "of", "and", "in", "on", "at", "for", "to", "by", "with"})


def name_runs(text: str) -> list[str]:
    """Runs of two or more capitalised words ("West Virginia"), lower-cased, as they must appear in the span; the
    text's first word does not start one (any sentence opens with a capital)."""
    tokens = words(text)
    phrases, run = [], []
    for index, token in enumerate(tokens + [""]):
        if token[:1].isupper() and index > 0 and token.lower() not in _FUNCTION_WORDS:
            run.append(token.lower())
            continue
        if len(run) >= 2:
            phrases.append(" ".join(run))
        run = []
    return phrases


_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’.&\-]*(?:\s+[A-Z][\w'’.&\-]*)*")


def without_names(text: str, unwanted: Callable[[str], bool]) -> str:
    """The text without the runs of capitalised words ("USA Today", "AT&T", single words too) that `unwanted` says."""
    return " ".join(_CAPITALISED_RUN.sub(lambda m: "" if unwanted(m.group(0)) else m.group(0), text).split())


@dataclass(frozen=True)
class NamePhrase:
    """A name written in a text: `text[start:end] == written`."""

    written: str
    start: int
    end: int


_CONNECTOR = r"(?:of|the|de|du|la|le|von|van|der|da|bin|al|and|&)"
_ANSWER_NAME = re.compile(
    rf"(?:[A-Z][\w'’.\-]*|\d[\w\-]*[A-Za-z][\w\-]*)(?:\s+(?:{_CONNECTOR}\s+)?(?:[A-Z][\w'’.\-]*|\d+(?=\b)))*"
)


def answer_names(sentence: str) -> list[NamePhrase]:
    """Name phrases with the small words that join a name and the numbers that end one ("Statue of Liberty",
    "Osama bin Laden", "Apollo 11", "Blink-182"): candidate answers to who, where and what questions."""
    phrases = []
    for match in _ANSWER_NAME.finditer(sentence):
        end = match.end()
        if _ends_sentence(sentence, end) and not _is_abbreviation(match.group(0).split()[-1]):
            end = match.start() + len(match.group(0).rstrip("."))  # "... founded by rapper Jay-Z." -> "Jay-Z"
        phrases.append(NamePhrase(sentence[match.start() : end], match.start(), end))
    return phrases


def _ends_sentence(sentence: str, end: int) -> bool:
    return sentence[end - 1 : end] == "." and not sentence[end:].strip(" \t\n\"'’”)]")


def _is_abbreviation(word: str) -> bool:
    """ "U.S.", "D.C.": the full stop belongs to the word, and so ends the sentence too."""
    return "." in word.rstrip(".")


PAREN = re.compile(r"\s*\([^)]*\)")
_TITLE_JOINERS = r"(?:of|the|and|de|du|la|le|von|van|der|in|for|on)"
_TITLE_PHRASE = re.compile(
    rf"(?:[A-Z0-9][\w'’.\-]*|(?<=\s){_TITLE_JOINERS}(?=\s+[A-Z]))"
    rf"(?:\s+(?:[A-Z0-9][\w'’.\-]*|{_TITLE_JOINERS}(?=\s+[A-Z])))*"
)
_QUOTED = re.compile(r"[\"“]([^\"”]{2,80})[\"”]")


def normalise_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.lower()).split())


def title_phrases(text: str) -> set[str]:
    """Normalised capitalised phrases and their sub-phrases, plus quoted strings: candidate titles."""
    phrases: set[str] = set()
    for match in [*_TITLE_PHRASE.finditer(text), *_QUOTED.finditer(text)]:
        tokens = normalise_title(match.group(match.lastindex or 0)).split()
        for i in range(len(tokens)):
            for j in range(i + 1, min(len(tokens), i + 8) + 1):
                phrase = " ".join(tokens[i:j])
                if len(phrase) >= 3 and phrase not in STOPWORDS:
                    phrases.add(phrase)
    return phrases


_NAMED_WORD = r"[A-Z0-9\"“][\w'’.\-\"”]*"
NAMED_THING = rf"(?:{_NAMED_WORD}(?:\s+(?:(?:of|the|de|du|von|van|der|la|le|from|and)\s+)*{_NAMED_WORD})*)"
"""Capitalised words (or quoted, or numbers) with the small words that join a name ("Statue of Liberty",
"Escape from the Dark"): a thing a question names, as a pattern to build question patterns with."""


def is_named_thing(phrase: str) -> bool:
    """A named thing (capitalised words, a quoted title or a number, at most 8 words), not an ordinary noun phrase."""
    tokens = re.sub(r"^the\s+", "", phrase.strip(), flags=re.I).split()
    first = tokens[0][:1] if tokens else ""
    return bool(tokens) and len(tokens) <= 8 and (first.isupper() or first.isdigit() or first in "\"“'")
