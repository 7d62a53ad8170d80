"""Split stored text into sentences and pack them into chunks that fit the encoder's window.

Offsets are recorded here, at split time, because a citation can only be as precise as they are:
every sentence and chunk is a `(start, end)` slice of the stored text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .types import Chunk

TokenCounter = Callable[[Sequence[str]], list[int]]
Span = tuple[int, int]

_BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")
_WORD = re.compile(r"\S+")


def chunk_id(doc_id: str, index: int) -> str:
    return f"{doc_id}-{index:05d}"


def doc_of(chunk_id_: str) -> str:
    """The document id inside a chunk id."""
    return chunk_id_.rsplit("-", 1)[0]


def blocks(text: str) -> list[Span]:
    """Spans of the text's blocks: paragraphs, and lines of paragraphs that are not hard-wrapped prose.

    A sentence never crosses a block boundary, so headings and list items stay sentences of their own.
    """
    spans: list[Span] = []
    position = 0
    for match in [*_BLANK_LINE.finditer(text), None]:
        end = match.start() if match else len(text)
        spans.extend(_lines_of_paragraph(text, position, end))
        position = match.end() if match else len(text)
    return [span for span in (_strip(text, s, e) for s, e in spans) if span[0] < span[1]]


def _lines_of_paragraph(text: str, start: int, end: int) -> list[Span]:
    paragraph = text[start:end]
    lines = paragraph.split("\n")
    if len(lines) == 1 or _is_hard_wrapped(lines):
        return [(start, end)]
    spans, offset = [], start
    for line in lines:
        spans.append((offset, offset + len(line)))
        offset += len(line) + 1
    return spans


def _is_hard_wrapped(lines: list[str]) -> bool:
    """Prose wrapped at a fixed width: all lines but the last are long and of similar length."""
    body = [len(line.rstrip()) for line in lines[:-1]]
    widest = max(body)
    return widest >= 40 and all(length >= 0.6 * widest for length in body)


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of the whole text, each stripped of surrounding white space."""
    spans: list[Span] = []
    for block_start, block_end in blocks(text):
        for s, e in _sentence_spans(text[block_start:block_end]):
            span = _strip(text, block_start + s, block_start + e)
            if span[0] < span[1]:
                spans.append(span)
    return spans


def _sentence_spans(block: str) -> list[Span]:
    """Blingfire's sentence boundaries as character offsets of `block`.

    blingfire's own `text_to_sentences_and_offsets` maps byte offsets to characters in a Python loop over
    every byte (most of chunking's time); here the C function is called directly and the mapping is
    vectorised, and skipped for ASCII text where bytes and characters coincide.
    """
    from ctypes import byref, c_char_p, c_int, c_int32, create_string_buffer

    import blingfire
    import numpy as np

    if not block.strip():
        return []
    data = block.encode("utf-8")
    capacity = len(data) * 2 + 16
    out = create_string_buffer(capacity)
    starts, ends = (c_int32 * capacity)(), (c_int32 * capacity)()
    written = blingfire.blingfire.TextToSentencesWithOffsets(
        c_char_p(data), c_int(len(data)), byref(out), byref(starts), byref(ends), c_int(capacity)
    )
    if written <= 0 or written > capacity:
        return [(0, len(block))]
    count = out.value.count(b"\n") + 1
    byte_starts = np.frombuffer(starts, dtype=np.int32, count=count)
    byte_ends = np.frombuffer(ends, dtype=np.int32, count=count) + 1  # blingfire's ends are inclusive
    if block.isascii():
        char_starts, char_ends = byte_starts, byte_ends
    else:
        # char_index[b] = number of characters that begin before byte b
        lead = (np.frombuffer(data, dtype=np.uint8) & 0xC0) != 0x80
        char_index = np.concatenate(([0], np.cumsum(lead)))
        char_starts, char_ends = char_index[byte_starts], char_index[byte_ends]
    return [(int(s), int(e)) for s, e in zip(char_starts, char_ends, strict=True)]


def pack_chunks(
    text: str,
    doc_id: str,
    count_tokens: TokenCounter,
    chunk_tokens: int,
    max_tokens: int,
    overlap_sentences: int,
    page_of: Callable[[int], int | None] = lambda offset: None,
) -> list[Chunk]:
    """Pack consecutive sentences into chunks of about `chunk_tokens` tokens, never more than `max_tokens`.

    A sentence longer than the budget is cut at word boundaries into pieces that fit, so that the encoder
    never truncates a chunk silently.
    """
    budget = min(chunk_tokens, max_tokens)
    sentences = _fit_sentences(text, split_sentences(text), count_tokens, budget)
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        j, used = i, 0
        while j < len(sentences) and (j == i or used + sentences[j][2] <= budget):
            used += sentences[j][2]
            j += 1
        members = sentences[i:j]
        start, end = members[0][0], members[-1][1]
        index = len(chunks)
        chunks.append(
            Chunk(
                chunk_id=chunk_id(doc_id, index),
                doc_id=doc_id,
                index=index,
                start=start,
                end=end,
                text=text[start:end],
                page=page_of(start),
                sentences=tuple((s, e) for s, e, _ in members),
            )
        )
        if j >= len(sentences):
            break
        overlap = min(overlap_sentences, j - i - 1)
        # Repeat the overlap only while it leaves room for new text in the next chunk.
        while overlap and sum(n for *_, n in sentences[j - overlap : j]) + sentences[j][2] > budget:
            overlap -= 1
        i = j - overlap
    return chunks


def _fit_sentences(text: str, spans: list[Span], count_tokens: TokenCounter, budget: int) -> list[tuple[int, int, int]]:
    counts = count_tokens([text[s:e] for s, e in spans]) if spans else []
    fitted: list[tuple[int, int, int]] = []
    for (start, end), count in zip(spans, counts, strict=True):
        if count <= budget:
            fitted.append((start, end, count))
        else:
            fitted.extend(_cut_long_sentence(text, start, end, count_tokens, budget))
    return fitted


def _cut_long_sentence(
    text: str, start: int, end: int, count_tokens: TokenCounter, budget: int
) -> list[tuple[int, int, int]]:
    # Word-piece tokenizers split on white space first, so token counts of words add up.
    words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]
    counts = count_tokens([text[s:e] for s, e in words])
    pieces: list[tuple[int, int, int]] = []
    piece_start, used = None, 0
    last_end = start
    for (s, e), count in zip(words, counts, strict=True):
        if count > budget:
            # A single "word" longer than the window (a URL, a base64 blob): cut it by characters.
            if piece_start is not None:
                pieces.append((piece_start, last_end, used))
                piece_start, used = None, 0
            pieces.extend(_cut_by_characters(text, s, e, count_tokens, budget))
            last_end = e
            continue
        if piece_start is not None and used + count > budget:
            pieces.append((piece_start, last_end, used))
            piece_start, used = None, 0
        if piece_start is None:
            piece_start = s
        used += count
        last_end = e
    if piece_start is not None:
        pieces.append((piece_start, last_end, used))
    return pieces


def _cut_by_characters(
    text: str, start: int, end: int, count_tokens: TokenCounter, budget: int
) -> list[tuple[int, int, int]]:
    pieces = []
    step = max(1, budget)  # a token covers at least one character
    for s in range(start, end, step):
        e = min(end, s + step)
        pieces.append((s, e, count_tokens([text[s:e]])[0]))
    return pieces
