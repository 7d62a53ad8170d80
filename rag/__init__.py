"""Retrieval, answering and checking. Knows nothing of `ui`.

Sub-packages, bottom up: `text` (words, numbers, dates, names, negation, sentences), `questions` (what is
asked), `retrieval` (hybrid search over a collection), `answering` (reading, deciding, composing), `checking`
(the support checker and citation parsing); `pipeline` runs them for one question and `assistant` is the
Python API. The public names below load lazily, so `import rag.text` stays light (no LangChain, no model).
"""

from __future__ import annotations

from importlib import import_module

_PUBLIC = {
    "Answer": "rag.types",
    "Citation": "rag.types",
    "Conflict": "rag.types",
    "Passage": "rag.types",
    "Assistant": "rag.assistant",
    "Settings": "rag.settings",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
