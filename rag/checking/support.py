"""Does a cited text support a claim? Features a reader would check, combined by a small model fitted on human
judgements (bench/support.py on attribution-dev; weights in data/support.json), instead of hand-set rules.

The features: how much of the claim's wording the cited text holds (all of it, its best sentence, word pairs),
whether its numbers and names are there, whether the best sentence agrees in negation (scoped to the main
clause), how close in meaning the claim is to the closest sentence, and how well each of the claim's words
finds a word of the same meaning in context in the cited text (both from the bundled embedding model).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from index.embedding import TokenVectors
from rag.checking.citations import strip_markers
from rag.logistic import LogisticModel, load_logistic
from rag.stages import Verdict
from rag.text import STOPWORDS, content_terms, normalize_answer, numbers, proper_names, stem, words
from rag.text.names import missing_name
from rag.text.negation import negated
from rag.text.sentences import split_sentences

MODEL_FILE = Path(__file__).parents[1] / "data" / "support.json"
MAX_SENTENCES = 60
"""Sentences of a cited text compared with the claim (the first ones: a citation is a passage, not a book)."""

Encode = Callable[[list[str]], list[TokenVectors]]
"""Texts -> their unit vectors and their word pieces' unit vectors (`LocalEmbeddings.encode_tokens`)."""


@dataclass(frozen=True)
class SupportFeatures:
    coverage: float
    """Share of the claim's meaningful words (names and numbers count double) in the whole cited text."""
    sentence_coverage: float
    """The same for the single cited sentence that holds most of them."""
    pair_coverage: float
    """Share of the claim's consecutive meaningful-word pairs found as pairs in the cited text."""
    numbers_found: float
    """Share of the claim's numbers that the cited text states (1 when it states none)."""
    names_found: float
    """Share of the claim's names (capitalised words after its first) in the cited text (1 when none)."""
    negation_agrees: float
    """1 when the claim and its best sentence are both negated or both not (main clauses only), else 0."""
    similarity: float
    """Cosine of the claim and the closest cited sentence (embedding model)."""
    token_alignment: float
    """Mean, over the claim's meaningful word pieces, of the cosine with the closest word piece of the cited
    text in context (embedding model's token vectors): a claim word with no counterpart pulls it down."""
    claim_terms: float
    """log(1 + meaningful words of the claim): long claims are harder to support whole."""

    def vector(self) -> list[float]:
        return list(asdict(self).values())


FEATURE_NAMES = tuple(SupportFeatures.__dataclass_fields__)


def cited_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)[:MAX_SENTENCES] if text[s:e].strip()] or [text]


def support_features(claim: str, cited: str, encode: Encode | None, sentences: Sequence[str] | None = None):
    sentences = list(sentences) if sentences is not None else cited_sentences(cited)
    terms = list(dict.fromkeys(content_terms(claim)))
    claim_words = words(claim)
    names = {n for n in proper_names(claim) if not claim_words or n != claim_words[0].lower().strip(".'’")}
    strong = {stem(n) for n in names} | {stem(w) for w in claim_words if any(c.isdigit() for c in w)}
    weight = {t: 2.0 if t in strong else 1.0 for t in terms}
    total = sum(weight.values()) or 1.0
    cited_sequence = content_terms(cited)
    cited_terms = set(cited_sequence)
    sentence_terms = [set(content_terms(s)) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: sum(weight[t] for t in terms if t in sentence_terms[i]))
    claim_pairs = set(zip(terms, terms[1:], strict=False))
    cited_pairs = set(zip(cited_sequence, cited_sequence[1:], strict=False))
    asked_numbers = {round(n.value, 6) for n in numbers(claim)}
    stated_numbers = {round(n.value, 6) for n in numbers(cited)}
    cited_lower = {w.lower().strip(".'’") for w in words(cited)}
    similarity = alignment = 0.0
    if encode is not None:
        claim_vectors, *sentence_vectors = encode([claim, *sentences])
        similarity = max(float(s.vector @ claim_vectors.vector) for s in sentence_vectors)
        alignment = token_alignment(claim_vectors, sentence_vectors)
    return SupportFeatures(
        coverage=sum(weight[t] for t in terms if t in cited_terms) / total,
        sentence_coverage=sum(weight[t] for t in terms if t in sentence_terms[best]) / total,
        pair_coverage=len(claim_pairs & cited_pairs) / len(claim_pairs) if claim_pairs else 1.0,
        numbers_found=len(asked_numbers & stated_numbers) / len(asked_numbers) if asked_numbers else 1.0,
        names_found=sum(n in cited_lower for n in names) / len(names) if names else 1.0,
        negation_agrees=float(negated(claim) == negated(sentences[best])),
        similarity=similarity,
        token_alignment=alignment,
        claim_terms=math.log1p(len(terms)),
    )


def token_alignment(claim: TokenVectors, cited: Sequence[TokenVectors]) -> float:
    """BERTScore-style recall of the claim's meaningful word pieces (not stop words or punctuation) in the
    cited sentences' word pieces."""
    wanted = [i for i, piece in enumerate(claim.pieces) if _is_word(piece) and piece.lower() not in STOPWORDS]
    wanted = wanted or [i for i, piece in enumerate(claim.pieces) if _is_word(piece)]
    found = [s.piece_vectors[[i for i, piece in enumerate(s.pieces) if _is_word(piece)]] for s in cited]
    found = [f for f in found if len(f)]
    if not wanted or not found:
        return 0.0
    return float(np.mean((claim.piece_vectors[wanted] @ np.concatenate(found).T).max(axis=1)))


def _is_word(piece: str) -> bool:
    return any(c.isalnum() for c in piece)


def load_support_model(path: Path = MODEL_FILE) -> LogisticModel:
    """The shipped support model: P(supported) from `SupportFeatures`."""
    return load_logistic(path)


class SupportChecker:
    """Supported / not supported, a probability and a reason a reader understands, for (claim, cited text).

    The hard checks that are right come first: a number the claim states that the cited text does not, or,
    while the best sentence says the claim's other words, a main clause negated in one and not the other or a
    name the cited text does not hold, is not supported whatever the model says. Everything else is the fitted
    model's call."""

    def __init__(self, encode: Encode | None, threshold: float, model: LogisticModel | None = None):
        """`threshold`: the least P(supported) to count as supported (`checks.support_threshold`)."""
        self.encode = encode
        self.model = model or load_support_model()
        self.threshold = threshold

    def check(self, claim: str, cited: str) -> Verdict:
        return self.best(claim, [cited])[1]

    def check_each(self, pairs: Sequence[tuple[str, str]]) -> list[Verdict]:
        """The verdict of each (claim, cited text) pair; every text the pairs hold is embedded in one batch (a
        yes/no question's claim against each cited sentence, the two sides of each disagreement)."""
        claims = [strip_markers(claim) for claim, _ in pairs]
        split = [cited_sentences(cited) for _, cited in pairs]
        settled = [_without_model(claim, cited) for claim, (_, cited) in zip(claims, pairs, strict=True)]
        texts = [
            text
            for verdict, claim, sentences in zip(settled, claims, split, strict=True)
            if verdict is None
            for text in (claim, *sentences)
        ]
        encode = self._cached_encode(texts) if texts else None
        return [
            verdict if verdict is not None else self._verdict(claim, cited, encode, sentences)
            for verdict, claim, (_, cited), sentences in zip(settled, claims, pairs, split, strict=True)
        ]

    def best(self, claim: str, candidates: Sequence[str]) -> tuple[int, Verdict]:
        """The candidate cited text that supports the claim best (index), with its verdict. Sentences shared by
        several candidates are embedded once."""
        claim = strip_markers(claim)
        for index, cited in enumerate(candidates):
            settled = _without_model(claim, cited)
            if settled is not None and (settled.supported or not claim.strip()):
                return index, settled
        split = [cited_sentences(cited) for cited in candidates]
        encode = self._cached_encode([claim, *(s for sentences in split for s in sentences)])
        verdicts = [self._verdict(claim, c, encode, s) for c, s in zip(candidates, split, strict=True)]
        index = max(range(len(verdicts)), key=lambda i: (verdicts[i].supported, verdicts[i].score))
        return index, verdicts[index]

    def _cached_encode(self, texts: list[str]) -> Encode | None:
        if self.encode is None:
            return None
        unique = list(dict.fromkeys(texts))
        known = dict(zip(unique, self.encode(unique), strict=True))
        return lambda batch: [known[t] for t in batch]

    def _verdict(self, claim: str, cited: str, encode: Encode | None, sentences: list[str]) -> Verdict:
        features = support_features(claim, cited, encode, sentences)
        probability = self.model.probability(features)
        vetoed = hard_check(claim, cited, features)
        if vetoed:
            opposite = features.sentence_coverage >= SAME_WORDS_COVERAGE and not features.negation_agrees
            return Verdict(
                False, min(probability, 0.1), vetoed, opposite=opposite and not _missing_number(claim, cited)
            )
        if probability >= self.threshold:
            return Verdict(True, probability, "")
        name = missing_name(claim, cited)
        reason = f"the name “{name}” is not in the cited text" if name else "the cited text does not say this"
        return Verdict(False, probability, reason)


def _without_model(claim: str, cited: str) -> Verdict | None:
    """The verdicts that need no model: an empty claim is not supported, a claim the cited text quotes is."""
    if not claim.strip():
        return Verdict(False, 0.0, "empty sentence")
    normalised = normalize_answer(claim)
    if normalised and normalised in normalize_answer(cited):
        return Verdict(True, 1.0, "quoted")
    return None


def hard_check(claim: str, cited: str, features: SupportFeatures) -> str | None:
    """Why the cited text cannot support the claim whatever the model says, or None: a number it does not
    state; or, while its best sentence says the claim's other words, the opposite polarity or a name it lacks."""
    missing = _missing_number(claim, cited)
    if missing:
        return f"the number {missing} is not in the cited text"
    if features.sentence_coverage < SAME_WORDS_COVERAGE:
        return None
    if not features.negation_agrees:
        return "the cited text says the opposite (one is negated)"
    name = missing_name(claim, cited)
    return f"the name “{name}” is not in the cited text" if name else None


SAME_WORDS_COVERAGE = 0.8
"""Least share of the claim's words in its best sentence for a negation mismatch or a missing name to mean
that the sentence says otherwise (rather than that it is about something else, which the model judges).
On attribution-dev (5-fold) the name veto costs 0.006 macro-F1 (0.691 -> 0.685); without it a swapped name
passes (caught 0.4% of 265 made from realtimeqa2022, python -m bench.support)."""


def _missing_number(claim: str, cited: str) -> str | None:
    stated = {round(n.value, 6) for n in numbers(cited)}
    return next((n.written for n in numbers(claim) if round(n.value, 6) not in stated), None)
