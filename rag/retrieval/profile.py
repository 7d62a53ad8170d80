"""What kind of collection a store holds, read off its documents: the `auto` profile's choice.

Encyclopedia-like collections have one document per named thing, titled by that name, and their documents
name each other ("... directed by Scott Derrickson" in one, a document titled "Scott Derrickson" beside it).
The share of documents that name another document by its title tells them apart from everything else:
measured (python -m bench.devsets, row linked_share) 0.43 on hotpotqa100 (Wikipedia), 0.0 on realtimeqa2022
(news articles titled by headline) and on the sample corpus (titled by file name).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.text.names import title_phrases

ENCYCLOPEDIA_LINKED_SHARE = 0.15
"""Least share of documents naming another document's title for a collection to count as encyclopedia-like:
well clear of both measured kinds (0.0 for news and files, 0.43 for Wikipedia)."""
MIN_DOCUMENTS = 20
"""Below this many documents there is too little to tell: the general profile."""
SAMPLE = 200
"""Documents read to measure the share (spread over the whole collection), so a large store decides fast."""


def linked_share(doc_ids: Sequence[str], titles: dict[str, list[str]], text_of: Callable[[str], str]) -> float:
    """Share of (a sample of) the documents whose text names another document by its title."""
    if not doc_ids:
        return 0.0
    step = max(1, len(doc_ids) // SAMPLE)
    sample = list(doc_ids)[::step][:SAMPLE]
    linked = 0
    for doc_id in sample:
        for phrase in title_phrases(text_of(doc_id)):
            if any(other != doc_id for other in titles.get(phrase, ())):
                linked += 1
                break
    return linked / len(sample)


def collection_profile(doc_ids: Sequence[str], titles: dict[str, list[str]], text_of: Callable[[str], str]) -> str:
    """'encyclopedia' for a collection whose documents link to each other by title, else 'general'."""
    if len(doc_ids) < MIN_DOCUMENTS:
        return "general"
    return "encyclopedia" if linked_share(doc_ids, titles, text_of) >= ENCYCLOPEDIA_LINKED_SHARE else "general"
