"""The text layer every stage shares, one module per concept: words, stems and stop words (`tokens`, the keyword
index's own tokenizer `index.terms`), `numbers` (typed `Number`s), `dates` (found by pattern, read by dateutil),
`names` (every capitalised-name heuristic), `negation`, `sentences` (one splitter for documents and answers).
Light on purpose: importing it loads no model and no LangChain."""

from rag.text.names import proper_names
from rag.text.numbers import NUMBER_WORDS, Number, is_day_of_month, is_year, numbers, spelled_numbers
from rag.text.tokens import (
    MIN_FAMILY_STEM,
    QUESTION_WORDS,
    STOPWORDS,
    content_terms,
    found_terms,
    normalize_answer,
    related,
    stem,
    words,
)

__all__ = [
    "MIN_FAMILY_STEM",
    "NUMBER_WORDS",
    "Number",
    "QUESTION_WORDS",
    "STOPWORDS",
    "content_terms",
    "found_terms",
    "is_day_of_month",
    "is_year",
    "normalize_answer",
    "numbers",
    "proper_names",
    "related",
    "spelled_numbers",
    "stem",
    "words",
]
