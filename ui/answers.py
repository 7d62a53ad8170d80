"""Terminal rendering of passages, answers and evaluation results."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rag.types import Answer, Passage
from ui.render import location


def print_passages(passages: list[Passage], console: Console | None = None) -> None:
    console = console or Console(soft_wrap=True)
    if not passages:
        console.print("No passages found.")
        return
    for rank, p in enumerate(passages, start=1):
        console.print(
            f"[bold]{rank}.[/bold] {escape(p.title)} [dim]({escape(p.source)}, chars {p.start}-{p.end}"
            f"{', page ' + str(p.page) if p.page else ''}, score {p.score:.3f})[/dim]"
        )
        console.print(f"   {escape(p.text[:500])}{'…' if len(p.text) > 500 else ''}")


def print_answer(
    answer: Answer, assistant=None, console: Console | None = None, text_already_shown: bool = False
) -> None:
    console = console or Console(soft_wrap=True)
    if not text_already_shown:
        console.print(escape(answer.answer))
    for notice in answer.notices:
        console.print(f"[yellow]note:[/yellow] {escape(notice)}")
    if answer.abstained:
        console.print("[yellow]Citewise abstained: the documents do not answer this.[/yellow]")
        if answer.passages:
            console.print("\nRelated passages:")
            print_passages(list(answer.passages[:3]), console)
        return
    if answer.conflicts:
        for conflict in answer.conflicts:
            cited = " vs ".join(f"[{n}]" for n in conflict.citations)
            console.print(
                f"[magenta]Sources disagree[/magenta] about {escape(conflict.about)}: {cited} "
                f"({' vs '.join(conflict.values)})"
            )
    console.print("\nSources:")
    for c in answer.citations:
        status = "" if c.supported else f" [red](not supported by the cited text: {escape(c.reason)})[/red]"
        console.print(f" [bold][{c.n}][/bold] {escape(c.title)} — {escape(c.source)}, {location(c)}{status}")
        console.print(f"     “{escape(c.quote)}”")


def print_evaluation(result: dict, console: Console | None = None) -> None:
    console = console or Console(soft_wrap=True)
    ingest = result["ingest"]
    console.print(
        f"{result['dataset']}: {result['documents']} documents ({ingest['added']} added, "
        f"{ingest['unchanged']} unchanged in {ingest['seconds']}s), k={result['k']}, profile {result['profile']}"
    )
    groups = {"overall": result["overall"], **result["groups"]}
    metrics = [m for m in result["overall"] if m != "questions"]
    table = Table()
    # Metric names stay whole on a narrow terminal; group headings wrap instead of being cut.
    table.add_column("metric", no_wrap=True, min_width=max(map(len, metrics), default=6))
    for name in groups:
        table.add_column(f"{name} (n={groups[name]['questions']})", justify="right", overflow="fold")
    for metric in metrics:
        row = [metric]
        for group in groups.values():
            value = group.get(metric)
            row.append("-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value))
        table.add_row(*row)
    console.print(table)
