"""Sources that disagree: different answers to the question (a number or year, or a name, place, thing or date)
from different documents, each stated by a sentence about the asked thing.

Two ways to see a disagreement: two documents say the same sentence but for one slot, where they hold different
values of the asked kind (`slot_values`); or each document's own statement about the asked thing holds a
different number (`stated_value`) or answering phrase (`stated_phrase`). Values that are the same in other
words or units ("1,000" and "a thousand", "Sept. 21" and "21 September", "5 miles" and "8 km") are no
disagreement (`rag.values.different_values`)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from rag.answering.scoring import answer_kind
from rag.answering.short_answer import DATELINE, find_phrase
from rag.answering.values import (
    ASKED_COUNT,
    CALENDAR,
    alike,
    asked_measure,
    different_values,
    fits,
    is_name,
    measured_quantities,
    phrase_key,
    same_quantity,
)
from rag.questions.yesno import is_yes_no
from rag.stages import Disagreement, ScoredSentence
from rag.text import (
    Number,
    content_terms,
    is_day_of_month,
    is_year,
    numbers,
    proper_names,
    related,
    stem,
    words,
)

CANDIDATE_RATIO = 0.5
"""Sentences scoring at least this share of the best are considered statements about the same thing."""
MIN_COVERAGE = 0.5
"""A statement about the asked thing covers at least half of the question's meaningful words; a value in a
sentence that merely touches the topic (another person's birth year) is no disagreement."""
_LEAD = re.compile(
    r"^\s*(how (many|much|long|far|old|big|large|tall)|when|what (year|date|number|percentage|"
    r"amount)|in which year)\s+",
    re.I,
)


def topic(question: str) -> str:
    return _LEAD.sub("", question).strip().rstrip("?").strip() or question.strip()


def stated_value(sentence: str, question: str, kind: str) -> tuple[float, str] | None:
    """The number (or year) the sentence states, nearest to the words it shares with the question."""
    found = _stated(sentence, question, kind)
    return (found.value, found.written) if found else None


def stated_amount(sentence: str, question: str) -> tuple[tuple[float, str | None, float], str] | None:
    """((value in its unit's base, measure, unit), as written) of the quantity the sentence states: "5 miles" and
    "8 km" compare as lengths, "£7m" is seven million."""
    found = _stated(sentence, question, "quantity")
    if found is None:
        return None
    measured = {o: (v, d, f) for v, d, o, f in measured_quantities(sentence)}
    return measured.get(found.start, (found.value, None, 1.0)), found.written


def _stated(sentence: str, question: str, kind: str) -> Number | None:
    asked = {n.value for n in numbers(question)}
    found = [
        n
        for n in numbers(sentence)
        if is_year(n.written, sentence, n.start) == (kind == "time")
        and n.value not in asked
        and not is_day_of_month(sentence, n.start, n.written)
    ]
    measure = asked_measure(question) if kind == "quantity" else None
    if measure:  # "how many days": 45 days, not the 10 of "10 Downing Street"
        measured = {offset for _, dimension, offset, _ in measured_quantities(sentence) if dimension == measure}
        found = [n for n in found if n.start in measured]
    elif kind == "quantity" and ASKED_COUNT.search(question):  # "how many Russians": not "10 years", "$5"
        measured = {offset for _, dimension, offset, _ in measured_quantities(sentence) if dimension}
        found = [n for n in found if n.start not in measured]
    if not found:
        return None
    wanted = set(content_terms(question))
    anchors = []
    offset = 0
    for word in words(sentence):
        position = sentence.find(word, offset)
        offset = position + len(word)
        if stem(word) in wanted:
            anchors.append(position)
    if not anchors:
        return found[0]
    return min(found, key=lambda n: min(abs(n.start - a) for a in anchors))


def same_subject(a: str, b: str) -> bool:
    """The two sentences name something in common, so their values can be about the same thing."""
    names_a = {stem(n) for n in proper_names(a)}
    names_b = {stem(n) for n in proper_names(b)}
    return any(related(x, y) for x in names_a for y in names_b)


def stated_phrase(sentence: str, question: str) -> tuple[str, str] | None:
    """(value, as written) of the phrase answering the question in the sentence: a name, a place, a thing or a
    written date (compared by `different_values`)."""
    span = find_phrase(question, sentence)
    if span is None:
        return None
    written = sentence[span[0] : span[1]]
    if set(content_terms(written)) & set(content_terms(question)):
        return None  # "Sophie Ramsay" for a question about Kate Ramsay: part of the subject, not an answer
    return written, written


def find_conflicts(question: str, scored: list[ScoredSentence], document_text=None) -> list[Disagreement]:
    """Pairs of relevant sentences from different documents that state different answers, at most one pair for
    two documents: first sentences that are the same but for a value of the asked kind, then each document's
    statement about the asked thing (numbers or years for how-many and when questions, names, places and
    things compared as phrases for the others)."""
    kind = answer_kind(question)
    if not scored or (kind == "other" and is_yes_no(question)):
        return []
    found = slot_disagreements(question, kind, scored, document_text)
    if kind == "other":  # "He measures:", "Why was it shut down?": no kind of phrase to look for in each
        return found
    if kind == "quantity":
        stated = _disagreements(
            scored,
            lambda text: stated_amount(text, question),
            _different_amounts,
            lambda a, b: same_subject(a.text, b.text),
        )
    elif kind == "time":
        stated = _disagreements(
            scored,
            lambda text: stated_value(text, question, kind),
            _different_numbers,
            lambda a, b: same_subject(a.text, b.text),
        )
    else:
        stated = _disagreements(scored, lambda text: stated_phrase(text, question), different_values, restate)
    pairs = {frozenset((d.first.doc_id, d.second.doc_id)) for d in found}
    return found + [d for d in stated if frozenset((d.first.doc_id, d.second.doc_id)) not in pairs]


def _different_numbers(a: float, b: float) -> bool:
    return abs(a - b) > 0.01 * max(abs(a), abs(b), 1.0)


def _different_amounts(a: tuple[float, str | None, float], b: tuple[float, str | None, float]) -> bool:
    """Different quantities of one measure (or of no stated measure): not "5 miles" and "8 km", not a length
    and a duration (answers to two questions)."""
    if a[1] and b[1] and a[1] != b[1]:
        return False
    return not same_quantity(a, b)


def restate(a: ScoredSentence, b: ScoredSentence) -> bool:
    """The two sentences say the same thing but for their answer: they hold the same words of the question
    (not "Kate Ramsay" in one and "Sophie Ramsay" in the other) and most of their other words are shared."""
    if a.matched != b.matched:
        return False
    terms_a, terms_b = set(content_terms(a.text)), set(content_terms(b.text))
    return len(terms_a & terms_b) >= RESTATED_SHARE * len(terms_a | terms_b) if terms_a and terms_b else False


RESTATED_SHARE = 0.5
"""Least share of two sentences' meaningful words that both hold for their different names, places or things
to be two answers to one question (python -m bench.conflicts)."""


def _disagreements(scored: list[ScoredSentence], value_of, differ, about_the_same):
    """Each document's first statement about the asked thing (a sentence scoring near the best and covering
    half of the question), paired with the others' when their values differ and they share a subject."""
    best = scored[0].score
    candidates = [s for s in scored if s.score >= CANDIDATE_RATIO * best and s.coverage >= MIN_COVERAGE]
    if len({s.doc_id for s in candidates}) < 2:
        return []  # one document cannot disagree with itself: no phrase to look for
    by_doc: dict[str, tuple[ScoredSentence, object, str]] = {}
    for sentence in candidates:
        if sentence.doc_id in by_doc:
            continue
        value = value_of(sentence.text)
        if value is not None:
            by_doc[sentence.doc_id] = (sentence, *value)
    statements = list(by_doc.values())
    conflicts = []
    for i, (a, value_a, written_a) in enumerate(statements):
        for b, value_b, written_b in statements[i + 1 :]:
            if differ(value_a, value_b) and about_the_same(a, b):
                conflicts.append(Disagreement(a, b, written_a, written_b))
    return conflicts


# -- one sentence, two values

SLOT_MIN_COVERAGE = 0.1
"""A sentence restated by another document but for one value is about the asked thing when it holds this share
of the question's meaningful words (lower than MIN_COVERAGE: a restatement is strong evidence that both speak of
the same thing, and the value must still be of the asked kind)."""
SLOT_RATIO = 0.4
"""Sentences scoring at least this share of the best are statements whose restatements are looked for (lower
than CANDIDATE_RATIO, for the same reason)."""
SLOT_SHARED = 0.6
"""Least share of the sentences' words besides the value that both hold in the same order."""
SLOT_MAX_ADDED = 2
"""Most words, besides the value, that one of the sentences adds ("over", a first name): more, and they are two
descriptions of two things ("Lesotho is a mountainous, landlocked country located in Southern Africa", "Zambia
is a landlocked country located in Southern Africa, to the east of Angola"), not one statement."""
SLOT_MAX_WORDS = 8
"""A differing stretch longer than this is another statement, not another value."""
_EDGE = "\"'“”‘’()[],.;:!?"


def slot_disagreements(
    question: str, kind: str, scored: list[ScoredSentence], document_text=None
) -> list[Disagreement]:
    """Pairs of sentences from different documents that are the same sentence but for a value of the asked
    kind (an updated count, another name): a statement about the asked thing (scoring near the best), and its
    restatement in another retrieved document, among the retrieved sentences or, when `document_text(doc_id)`
    is given, anywhere in that document. The best-scoring such pair for each two documents."""
    best = scored[0].score
    subject = {stem(w) for w in proper_names(question)} | {stem(n.written) for n in numbers(question)}
    statements = [s for s in scored if s.score >= SLOT_RATIO * best and s.coverage >= SLOT_MIN_COVERAGE]
    documents = list(dict.fromkeys(s.doc_id for s in scored))
    found: dict[frozenset[str], Disagreement] = {}
    for rank, a in enumerate(statements):
        restated = [b for b in scored if b.doc_id != a.doc_id and _shares_words(a, b)]
        if document_text is not None and rank < MAX_STATEMENTS:
            restated += _restated_elsewhere(a, documents, document_text, scored)
        for b in restated:
            pair = frozenset((a.doc_id, b.doc_id))
            if pair in found:
                continue
            texts = (document_text(a.doc_id), document_text(b.doc_id)) if document_text else ("", "")
            values = slot_values(a.text, b.text, subject, kind, texts)
            if values is not None:
                found[pair] = Disagreement(a, b, *values)
    return list(found.values())


MAX_STATEMENTS = 10
"""Statements about the asked thing whose restatements are looked for in the whole of the other documents
(the best-scoring ones; restatements among the retrieved sentences are looked for for all)."""
RESTATED_KEY = 30
"""Characters at either end of a statement that another document holds word for word when it restates it."""


def _shares_words(a: ScoredSentence, b: ScoredSentence) -> bool:
    """Cheap test first: enough meaningful words in common to be one sentence but for a value."""
    return len(a.terms & b.terms) >= SLOT_SHARED * min(len(a.terms), len(b.terms))


def _restated_elsewhere(
    a: ScoredSentence, documents: list[str], document_text, scored: list[ScoredSentence]
) -> list[ScoredSentence]:
    """Sentences of the other retrieved documents, outside their retrieved passages, that begin or end as `a`
    does (a copy of the article, an update of the report)."""
    from rag.text.sentences import split_sentences

    if len(a.text) < 2 * RESTATED_KEY:
        return []
    keys = (a.text[:RESTATED_KEY], a.text[-RESTATED_KEY:])
    seen = {(s.doc_id, s.start) for s in scored}
    found = []
    for doc_id in documents:
        if doc_id == a.doc_id:
            continue
        text = document_text(doc_id)
        positions = [p for p in (text.find(key) for key in keys) if p >= 0]
        if not positions:
            continue
        for start, end in split_sentences(text):
            if any(start <= p < end for p in positions) and (doc_id, start) not in seen:
                sentence = text[start:end]
                terms = frozenset(content_terms(sentence))
                matched = frozenset(t for t in a.matched if t in terms)
                coverage = a.coverage * len(matched) / max(1, len(a.matched))
                passage, title = next((s.passage, s.title) for s in scored if s.doc_id == doc_id)
                found.append(
                    ScoredSentence(passage, doc_id, start, end, sentence, 0.0, coverage, matched, 0.0, title, terms)
                )
                break
    return found


def slot_values(
    a: str, b: str, subject: set[str], kind: str, documents: tuple[str, str] = ("", "")
) -> tuple[str, str] | None:
    """The differing values (as written in `a` and in `b`) of two sentences that are the same but for them: one
    value (wherever it recurs) that is of the asked kind and not the same in other words. Sentences that differ
    in two values are about two subjects ("Kate Ramsay ... played by Ashleigh Brewer", "Sophie Ramsay ...
    played by Kaiya Jones"), as are sentences of which only one holds a name or number of the question
    (`subject`, stemmed: "Kate" replaced by "Sophie"); the question's other words may be part of an answer
    ("which disease": "Lyme disease"). For things, one value must be a name: two sets of ordinary words in one
    restated sentence are a paraphrase ("fell below", "falling under") more often than a disagreement. The
    sentences' `documents` tell a name opening a sentence from a word capitalised there."""
    tokens_a, tokens_b = _tokens(a), _tokens(b)
    keys_a, keys_b = [t[2] for t in tokens_a], [t[2] for t in tokens_b]
    matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    shared = sum(block.size for block in matcher.get_matching_blocks())
    heads = (_dateline_end(a), _dateline_end(b))
    slots = []
    added = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("insert", "delete"):
            added += (i2 - i1) + (j2 - j1)  # words one sentence adds ("over", "Vladimir") qualify a value
        if op != "replace" or tokens_a[i1][0] < heads[0] or tokens_b[j1][0] < heads[1]:
            continue  # "(CNN)", "(AP)": who reports, not what
        if i2 - i1 > SLOT_MAX_WORDS or j2 - j1 > SLOT_MAX_WORDS:
            return None  # another statement, not another value
        if i2 - i1 == j2 - j1 == 1 and keys_a[i1].isdigit():  # "21 September" and "24 September": the day differs
            before = i1 > 0 and CALENDAR.fullmatch(a[tokens_a[i1 - 1][0] : tokens_a[i1 - 1][1]].strip(_EDGE))
            after = i2 < len(keys_a) and CALENDAR.fullmatch(a[tokens_a[i2][0] : tokens_a[i2][1]].strip(_EDGE))
            i1, j1, i2, j2 = i1 - bool(before), j1 - bool(before), i2 + bool(after), j2 + bool(after)
        value_a = a[tokens_a[i1][0] : tokens_a[i2 - 1][1]].strip(_EDGE)
        value_b = b[tokens_b[j1][0] : tokens_b[j2 - 1][1]].strip(_EDGE)
        if value_a and value_b and different_values(value_a, value_b):
            opens = (
                i1 == _first_word(tokens_a, heads[0]) and not _capitalised_within(value_a, documents[0]),
                j1 == _first_word(tokens_b, heads[1]) and not _capitalised_within(value_b, documents[1]),
            )
            slots.append((value_a, value_b, *opens, i2 - i1, j2 - j1))
    if len({(phrase_key(slot[0]), phrase_key(slot[1])) for slot in slots}) != 1 or added > SLOT_MAX_ADDED:
        return None  # two subjects ("Kate Ramsay ... played by Ashleigh Brewer"), or two descriptions
    value_a, value_b, opens_a, opens_b, width_a, width_b = slots[0]
    if shared < SLOT_SHARED * max(len(keys_a) - width_a, len(keys_b) - width_b):
        return None  # the words around the value differ too: another statement
    if (
        set(content_terms(a)) & subject == set(content_terms(b)) & subject
        and fits(value_a, kind, opens_a)
        and fits(value_b, kind, opens_b)
        and (kind != "thing" or is_name(value_a, opens_a) or is_name(value_b, opens_b))
        and (kind != "other" or alike(value_a, value_b, opens_a, opens_b))
    ):
        return value_a, value_b
    return None


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, comparison key) of each word as written, punctuation around it ignored."""
    return [(m.start(), m.end(), m.group().strip(_EDGE).lower()) for m in re.finditer(r"\S+", text)]


def _capitalised_within(value: str, document: str) -> bool:
    """The value's first word is capitalised inside a sentence of its document too: a name ("Japan’s Vice
    Defense Minister", "... talks with Japan"), not a word capitalised for opening the sentence."""
    first = value.split()[0].rstrip("’'s") if value.split() else ""
    return bool(first) and re.search(rf"[a-z,;] +{re.escape(first)}\b", document) is not None


def _first_word(tokens: list[tuple[int, int, str]], body: int) -> int:
    """Index of the sentence's first word after its dateline."""
    return next((i for i, token in enumerate(tokens) if token[0] >= body), 0)


def _dateline_end(sentence: str) -> int:
    match = DATELINE.match(sentence)
    return match.end() if match else 0
