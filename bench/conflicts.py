"""Do disagreeing sources get shown side by side? A test set made at run time from a dev set (realtimeqa2022,
hotpotqa100; never stored in the project): for each answerable question whose answer is written in its
evidence article, a copy of the article with the answer replaced by another question's answer of the same
kind (a person for a person, a number for a number) is ingested beside the original. Measured: how often the
answer flags a conflict, cites both versions, or cites only the altered one; and, on the untouched
collection, how often it flags a conflict at all (false alarms).

    python -m bench.conflicts --dataset ../shared/eval/realtimeqa2022
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from pathlib import Path

from bench.common import REPO

ALTERED_PREFIX = "altered_"


def altered_copies(dataset: Path, folder: Path, seed: int = 0) -> list[dict]:
    """Write the altered articles into `folder`; the questions they test, with both file names."""
    from rag.questions.kinds import question_kind

    rng = random.Random(seed)
    questions = [json.loads(line) for line in (dataset / "questions.jsonl").read_text().splitlines() if line.strip()]
    answerable = [q for q in questions if q["evidence"] and q["answers"]]
    by_kind: dict[str, list[str]] = {}
    for q in answerable:
        by_kind.setdefault(question_kind(q["question"]) or "other", []).append(q["answers"][0])
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    for q in answerable:
        answer = q["answers"][0]
        original = q["evidence"][0]["doc"]
        text = (dataset / "docs" / original).read_text(encoding="utf-8")
        pattern = re.compile(re.escape(answer), re.I)
        if len(answer) < 2 or not pattern.search(text):
            continue
        others = [a for a in by_kind.get(question_kind(q["question"]) or "other", []) if a.lower() != answer.lower()]
        if not others:
            continue
        replacement = rng.choice(others)
        altered = ALTERED_PREFIX + original
        (folder / altered).write_text(pattern.sub(replacement, text), encoding="utf-8")
        cases.append(
            {"question": q["question"], "true": answer, "false": replacement, "original": original, "altered": altered}
        )
    return cases


def measure(assistant, cases: list[dict]) -> dict:
    """Shares of cases: conflict flagged, both versions cited, only the altered one cited; both versions among
    the retrieved passages, and of those, flagged (the target) and flagged with the true and the false value."""
    from rag.text import normalize_answer

    flagged = both = only_false = retrieved = flagged_retrieved = right_values = 0
    for case in cases:
        answer = assistant.ask(case["question"])
        cited = {Path(c.source).name for c in answer.citations}
        passed = {Path(p.source).name for p in answer.passages}
        flagged += bool(answer.conflicts)
        both += case["original"] in cited and case["altered"] in cited
        only_false += case["altered"] in cited and case["original"] not in cited
        if case["original"] in passed and case["altered"] in passed:
            retrieved += 1
            flagged_retrieved += bool(answer.conflicts)
            true, false = normalize_answer(case["true"]), normalize_answer(case["false"])
            said = [{normalize_answer(v) for v in c.values} for c in answer.conflicts]
            right_values += any(any(true in v for v in vs) and any(false in v for v in vs) for vs in said)
    n = max(1, len(cases))
    return {
        "questions": len(cases),
        "conflict_flagged": round(flagged / n, 3),
        "both_versions_cited": round(both / n, 3),
        "only_the_altered_cited": round(only_false / n, 3),
        "both_versions_retrieved": round(retrieved / n, 3),
        "flagged_when_both_retrieved": round(flagged_retrieved / max(1, retrieved), 3),
        "true_and_false_values_when_both_retrieved": round(right_values / max(1, retrieved), 3),
    }


def demo_conflict(work: Path, embeddings) -> bool:
    """The sample corpus still shows its 2000 vs "over 1,000" detained-protesters conflict."""
    from rag import Assistant
    from ui.cli import demo_corpus_files

    demo = Assistant.open(store=work / "devsets" / "demo", embeddings=embeddings)
    demo.ingest(demo_corpus_files())
    answer = demo.ask("How many protesters were detained?")
    return any(set(c.values) == {"2000", "1,000"} for c in answer.conflicts)


def false_alarms(assistant, dataset: Path) -> dict:
    questions = [json.loads(line) for line in (dataset / "questions.jsonl").read_text().splitlines() if line.strip()]
    flagged = sum(bool(assistant.ask(q["question"]).conflicts) for q in questions)
    return {"questions": len(questions), "conflict_flagged": round(flagged / max(1, len(questions)), 3)}


def conflict_report(dataset: Path, work: Path) -> dict:
    """The altered copies beside the originals, the untouched collection (false alarms) and the demo conflict."""
    from rag import Assistant

    untouched_store = work / "devsets" / dataset.name
    untouched = Assistant.open(store=untouched_store)
    untouched.ingest([dataset / "docs"])
    folder = work / "conflicts" / dataset.name
    store = folder / "store"
    if not store.exists():  # the untouched store plus the altered copies: only the copies are encoded
        shutil.copytree(untouched_store, store)
    cases = altered_copies(dataset, folder / "altered")
    altered = Assistant.open(store=store, embeddings=untouched.embeddings)
    altered.ingest([folder / "altered"])
    return {
        "altered copies beside the originals": measure(altered, cases),
        "untouched collection (false alarms)": false_alarms(untouched, dataset),
        "demo conflict 2000 vs 1,000 shown": demo_conflict(work, untouched.embeddings),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=REPO / "bench" / ".work")
    args = parser.parse_args()
    print(json.dumps(conflict_report(args.dataset, args.work), indent=1))


if __name__ == "__main__":
    main()
