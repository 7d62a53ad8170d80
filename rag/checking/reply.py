"""A language model's reply, checked: its `[n]` markers parsed (rag/checking/citations.py), each cited passage
narrowed to the sentence (or two) that supports the claim best by the support checker, and every sentence
marked supported, unsupported or uncited."""

from __future__ import annotations

from collections.abc import Sequence

from rag.checking.citations import parse_answer, span_citation
from rag.checking.support import SupportChecker
from rag.stages import CheckedReply, Collection, Verdict
from rag.types import Citation, Passage


def check_reply(
    reply: str, passages: Sequence[Passage], collection: Collection, checker: SupportChecker
) -> CheckedReply:
    """The reply with Citewise's markers, its checked citations, and what could not be checked."""
    parsed = parse_answer(reply, len(passages))
    citations: list[Citation] = []
    number_of: dict[tuple[str, int, int], int] = {}
    parts: list[str] = []
    unsupported = uncited = 0
    for sentence in parsed.sentences:
        if not sentence.cited:
            uncited += 1
            parts.append(f"{sentence.text} [no citation]")
            continue
        markers, verdicts = [], []
        for n in sentence.cited:
            span, verdict = _narrow(sentence.text, passages[n - 1], collection, checker)
            verdicts.append(verdict)
            doc_id, start, end = passages[n - 1].doc_id, span[0], span[1]
            key = (doc_id, start, end)
            if key not in number_of:
                number_of[key] = len(citations) + 1
                citations.append(_citation(number_of[key], passages[n - 1], start, end, collection, verdict))
            elif verdict.supported and not citations[number_of[key] - 1].supported:
                citations[number_of[key] - 1] = _citation(
                    number_of[key], passages[n - 1], start, end, collection, verdict
                )
            markers.append(f"[{number_of[key]}]")
        text = f"{sentence.text} {''.join(markers)}"
        if not any(v.supported for v in verdicts):
            unsupported += 1
            text += " [not supported by the cited text]"
        parts.append(text)
    return CheckedReply(" ".join(parts), tuple(citations), unsupported, uncited, tuple(parsed.dropped))


def _narrow(
    claim: str, passage: Passage, collection: Collection, checker: SupportChecker
) -> tuple[tuple[int, int], Verdict]:
    """The sentence (or two adjacent sentences) of the passage that supports the claim best, by the checker."""
    text = collection.document(passage.doc_id).text
    sentences = [s for s in passage.sentences if passage.start <= s[0] and s[1] <= passage.end] or [
        (passage.start, passage.end)
    ]
    candidates = [(s, e, text[s:e]) for s, e in sentences]
    candidates += [(a[0], b[1], text[a[0] : b[1]]) for a, b in zip(sentences, sentences[1:], strict=False)]
    index, verdict = checker.best(claim, [candidate for _, _, candidate in candidates])
    return candidates[index][:2], verdict


def _citation(n: int, passage: Passage, start: int, end: int, collection: Collection, verdict: Verdict) -> Citation:
    return span_citation(n, passage.doc_id, collection.document(passage.doc_id), start, end, verdict)
