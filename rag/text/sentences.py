"""Sentences: one splitter for documents and for model-written answers (blingfire's, `index.chunking`), so an
answer's sentence is cut where a document's would be ("The U.S. Army said so." is one sentence in both)."""

from __future__ import annotations

import re

from index.chunking import Span, split_sentences

__all__ = ["Span", "answer_sentences", "split_sentences"]

_LEADING_MARKERS = re.compile(r"^((?:\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]\s*)+)(.*)$", re.S)


def answer_sentences(answer: str) -> list[str]:
    """The sentences of a model's answer, each keeping the `[n]` markers that end it: markers opening a sentence
    close the previous one ("... 1986. [2] It was ..." cites [2] for the first)."""
    text = answer.strip()
    sentences: list[str] = []
    for start, end in split_sentences(text):
        piece = text[start:end]
        leading = _LEADING_MARKERS.match(piece)
        if leading and sentences:
            sentences[-1] = f"{sentences[-1]} {leading.group(1).strip()}"
            piece = leading.group(2).strip()
            if not piece:
                continue
        sentences.append(piece)
    return sentences
