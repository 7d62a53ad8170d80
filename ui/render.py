"""Answers as HTML and Markdown. Every piece of document text goes through `html.escape`.

Markers link to `#cw-mark-T-N`, the `<mark>` of citation N of turn T in the source viewer; CSS shows the
viewer entry whose mark is the URL's target, and the browser scrolls it into view. No script is involved,
so citations of earlier turns keep working after new questions and after a refresh of the conversation.
"""

from __future__ import annotations

import re
from html import escape

from rag.checking.citations import MARKER
from rag.types import Answer, Citation, Passage

CONTEXT_CHARS = 600
STALE_NOTES = {
    "changed": "the document has changed since this answer; the quote is shown as it was cited",
    "removed": "the document was removed since this answer; the quote is shown as it was cited",
}
"""What a saved answer's citation says when its span no longer reads the same (ui/api_conversations.py)."""

CSS = """
.cw-turn { margin: 0 0 1.2em 0; }
.cw-question { font-weight: 600; margin-bottom: .3em; }
.cw-answer { line-height: 1.55; }
.cw-answer a.cw-marker { text-decoration: none; font-weight: 600; padding: 0 .1em; }
.cw-badge { display: inline-block; font-size: .78em; padding: .05em .5em; border-radius: .8em; margin: .2em .3em 0 0; }
.cw-badge-abstain { background: #fff4d6; color: #7a5200; border: 1px solid #e0b84c; }
.cw-badge-conflict { background: #f6e6ff; color: #5d1a87; border: 1px solid #b57ad8; }
.cw-badge-unsupported { background: #ffe3e3; color: #8a1111; border: 1px solid #d86b6b; }
.cw-badge-notice { background: #e7f0ff; color: #173f7a; border: 1px solid #7aa0d8; }
.cw-sources { margin: .4em 0 0 0; padding-left: 1.2em; font-size: .92em; }
.cw-sources li { margin: .15em 0; }
.cw-quote { color: #555; }
.cw-unsupported { color: #8a1111; }
.cw-viewer-hint { color: #777; }
.cw-source { display: none; }
.cw-source:has(mark:target) { display: block; }
.cw-viewer:has(mark:target) .cw-viewer-hint { display: none; }
.cw-context { white-space: pre-wrap; font-family: inherit; max-height: 60vh; overflow-y: auto;
              background: #fafafa; border: 1px solid #ddd; border-radius: 6px; padding: .8em; }
.cw-context mark { background: #ffe066; padding: 0 .1em; scroll-margin: 4em; }
.cw-page-view { max-height: 75vh; overflow-y: auto; margin: .4em 0; }
.cw-page-number { font-size: .9em; color: #555; margin: .2em 0; }
.cw-page { position: relative; margin: 0 0 .4em 0; }
.cw-page-image { display: block; width: 100%; height: auto; border: 1px solid #ddd; }
.cw-box { position: absolute; background: rgba(255, 208, 0, .38); outline: 1px solid #d9a400; padding: 0;
          scroll-margin: 6em; }
.cw-stale { color: #7a5200; background: #fff4d6; border: 1px solid #e0b84c; border-radius: .3em; padding: 0 .3em;
            font-size: .9em; }
.cw-step summary, .cw-text-view summary { cursor: pointer; color: #173f7a; margin: .2em 0; }
"""


def mark_id(turn: int, n: int) -> str:
    return f"cw-mark-{turn}-{n}"


def location(span: Citation | Passage) -> str:
    """Where a cited span or passage is in its document, for people: page and line, or characters."""
    parts = []
    if span.page is not None:
        parts.append(f"page {span.page}")
    if isinstance(span, Citation) and span.line is not None:
        parts.append(f"line {span.line}")
    return ", ".join(parts) or f"characters {span.start}–{span.end}"


def answer_html(turn: int, answer: Answer, stale: dict[int, str] | None = None) -> str:
    """One question and its answer, markers linked to the viewer, with badges and the list of sources;
    `stale` maps a saved answer's citation numbers to `changed` or `removed`."""
    stale = stale or {}
    known = {c.n for c in answer.citations}
    supported = {c.n: c.supported for c in answer.citations}

    def link(match: re.Match) -> str:
        n = int(match.group(1)) if match.group(1).isdigit() else None
        if n not in known:
            return escape(match.group(0))
        css = "cw-marker" + ("" if supported[n] else " cw-unsupported")
        return f'<a class="{css}" href="#{mark_id(turn, n)}" data-n="{n}">[{n}]</a>'

    pieces = []
    position = 0
    for match in MARKER.finditer(answer.answer):
        pieces.append(escape(answer.answer[position : match.start()]))
        pieces.append(link(match))
        position = match.end()
    pieces.append(escape(answer.answer[position:]))
    badges = []
    if answer.abstained:
        badges.append('<span class="cw-badge cw-badge-abstain">Not in your documents: Citewise abstained</span>')
    for conflict in answer.conflicts:
        cited = " vs ".join(f"[{n}]" for n in conflict.citations)
        values = " vs ".join(conflict.values)
        badges.append(
            f'<span class="cw-badge cw-badge-conflict">Sources disagree about {escape(conflict.about)}: '
            f"{escape(cited)} ({escape(values)})</span>"
        )
    unsupported = [c for c in answer.citations if not c.supported]
    if unsupported:
        badges.append(
            '<span class="cw-badge cw-badge-unsupported">Not supported by the cited text: '
            + "; ".join(f"[{c.n}]" + (f" ({escape(c.reason)})" if c.reason else "") for c in unsupported)
            + "</span>"
        )
    for notice in answer.notices:
        badges.append(f'<span class="cw-badge cw-badge-notice">{escape(notice)}</span>')
    sources = "".join(
        f'<li><a href="#{mark_id(turn, c.n)}">[{c.n}]</a> <b>{escape(c.title)}</b> — {escape(location(c))}'
        f"{'' if c.supported else f' <span class=cw-unsupported>(unsupported: {escape(c.reason)})</span>'}"
        f"{_stale_note(stale.get(c.n))}"
        f'<br><span class="cw-quote">“{escape(_clip(c.quote, 240))}”</span></li>'
        for c in answer.citations
    )
    return (
        f'<div class="cw-turn" id="cw-turn-{turn}"><div class="cw-question">{escape(answer.question)}</div>'
        f'<div class="cw-answer">{"".join(pieces)}</div>{"".join(badges)}'
        + (f'<ol class="cw-sources">{sources}</ol>' if sources else "")
        + "</div>"
    )


def error_html(message: str) -> str:
    """A question that could not be answered, as a turn of the conversation (the message is escaped)."""
    return f'<div class="cw-turn"><span class="cw-badge cw-badge-abstain">{escape(message)}</span></div>'


def pending_html(question: str, partial: str) -> str:
    return (
        f'<div class="cw-turn"><div class="cw-question">{escape(question)}</div>'
        f'<div class="cw-answer">{escape(partial)}▌</div></div>'
    )


def conversation_html(turns: list[Answer], pending: str = "", stale: dict[tuple[int, int], str] | None = None) -> str:
    """Every turn; `stale` maps (turn, citation number) of saved answers to `changed` or `removed`."""
    if not turns and not pending:
        return ""
    stale = stale or {}
    by_turn = {t: {n: state for (turn, n), state in stale.items() if turn == t} for t in range(len(turns))}
    return "".join(answer_html(i, a, by_turn[i]) for i, a in enumerate(turns)) + pending


def _stale_note(state: str | None) -> str:
    return f' <span class="cw-stale">({escape(STALE_NOTES[state])})</span>' if state in STALE_NOTES else ""


def viewer_entry(turn: int, citation: Citation, text: str, page_view=None, stale: str | None = None) -> str:
    """The cited document around the span; the span itself is the `<mark>` whose text equals the quote. For a
    PDF citation, the rendered page with the span's boxes comes first (`page_view(citation, mark id)`, the
    first box the scroll target) and the text view stays one click away. A `stale` citation of a saved answer
    (its document `changed` or `removed` since) shows the quote as cited, with that said plainly."""
    if stale is not None:
        text, page_view = "", None
    before_start = max(0, citation.start - CONTEXT_CHARS)
    after_end = min(len(text), citation.end + CONTEXT_CHARS)
    before = ("…" if before_start else "") + text[before_start : citation.start]
    after = text[citation.end : after_end] + ("…" if after_end < len(text) else "")
    status = "supported by this text" if citation.supported else f"NOT supported by this text: {citation.reason}"
    mark = mark_id(turn, citation.n)
    page = page_view(citation, mark) if page_view is not None else ""
    target = "" if page else f' id="{mark}"'
    context = (
        f'<div class="cw-context">{escape(before)}<mark{target}>{escape(citation.quote)}</mark>{escape(after)}</div>'
    )
    if page:
        context = f'<details class="cw-text-view"><summary>Text view</summary>{context}</details>'
    return (
        f'<div class="cw-source" data-turn="{turn}" data-n="{citation.n}">'
        f"<h4>[{citation.n}] {escape(citation.title)}</h4>"
        f"<div>{escape(citation.source)} — {escape(location(citation))} — {escape(status)}</div>"
        f"{_stale_note(stale)}{page}{context}</div>"
    )


def viewer_html(turns: list[Answer], document_text, page_view=None, stale: dict[tuple[int, int], str] | None = None):
    stale = stale or {}
    entries = [
        viewer_entry(t, c, document_text(c.doc_id) if (t, c.n) not in stale else "", page_view, stale.get((t, c.n)))
        for t, a in enumerate(turns)
        for c in a.citations
    ]
    hint = '<p class="cw-viewer-hint">Click a marker like [1] in an answer to see the cited passage here.</p>'
    return f'<div class="cw-viewer">{hint}{"".join(entries)}</div>'


def conversation_markdown(
    turns: list[Answer], stale: dict[tuple[int, int], str] | None = None, title: str = "Citewise conversation"
) -> str:
    """The conversation with each answer's references (document, location, quote), for download."""
    stale = stale or {}
    lines = [f"# {title}", ""]
    for turn, answer in enumerate(turns):
        lines += [f"## {answer.question}", "", answer.answer, ""]
        if answer.abstained:
            lines += ["*Citewise abstained: the documents do not answer this.*", ""]
        for conflict in answer.conflicts:
            lines += [
                f"*Sources disagree about {conflict.about}: "
                + " vs ".join(f"[{n}] {v}" for n, v in zip(conflict.citations, conflict.values, strict=False))
                + "*",
                "",
            ]
        if answer.citations:
            lines.append("References:")
            lines.append("")
            for c in answer.citations:
                flag = "" if c.supported else f" (not supported by the cited text: {c.reason})"
                if (turn, c.n) in stale:
                    flag += f" ({STALE_NOTES[stale[turn, c.n]]})"
                lines.append(f"{c.n}. {c.title} — {c.source}, {location(c)}{flag}")
                lines.append(f"   > {c.quote}")
            lines.append("")
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
