"""How well cited sentences are checked and disagreeing sources found, measured where it counts.

1. Human judgements (attribution-dev, 1,198 pairs): the support checker cross-validated beside the old rules
   (`bench.support.human_report`: macro-F1 and the share called supported, 5-fold and leave-one-source-out).
2. The conflict set (`bench.conflicts`): dev-set articles with the answer replaced, ingested beside the
   originals, and the untouched collection for false alarms (only with --conflicts).
3. A regression check, not a headline: pairs made from real text by rules (a sentence against its own span,
   reworded; against another sentence; with a number or a name changed), judged by the checker and the rules.

    python -m bench.verify --attribution ../shared/eval/attribution-dev --pairs ../shared/eval/hotpotqa100 \
        [--conflicts ../shared/eval/realtimeqa2022]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from bench.common import REPO
from bench.word_overlap import verify
from rag.text import STOPWORDS, numbers, proper_names
from rag.text.sentences import split_sentences

RULES_THRESHOLD = 0.5
"""Share of a claim's weighted words the old word-overlap rules (bench/word_overlap.py) need to call it supported:
the figure they are compared at with the support checker."""


def sentences_of(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [text[s:e] for s, e in split_sentences(text) if len(text[s:e].split()) >= 8]


def drop_clause(sentence: str) -> str | None:
    parts = [p.strip() for p in re.split(r",\s+", sentence.rstrip(".")) if p.strip()]
    return (
        ", ".join(parts[:-1]) + "."
        if len(parts) >= 2 and len(parts[-1].split()) <= len(sentence.split()) // 2
        else None
    )


def reorder(sentence: str) -> str | None:
    parts = [p.strip() for p in re.split(r",\s+", sentence.rstrip(".")) if p.strip()]
    if len(parts) < 2:
        return None
    return (
        f"{parts[-1][0].upper()}{parts[-1][1:]}, {parts[0][0].lower()}{parts[0][1:]}"
        + (", " + ", ".join(parts[1:-1]) if len(parts) > 2 else "")
        + "."
    )


def change_number(sentence: str, rng: random.Random) -> str | None:
    found = numbers(sentence)
    if not found:
        return None
    number = rng.choice(found)
    digits = re.sub(r"\d", lambda m: str((int(m.group(0)) + 1) % 10), number.written, count=1)
    return sentence[: number.start] + digits + sentence[number.end :] if digits != number.written else None


def change_name(sentence: str, names_pool: list[str], rng: random.Random) -> str | None:
    names = [w for w in re.findall(r"\b[A-Z][a-z]{3,}\b", sentence) if w.lower() in proper_names(sentence)]
    names = [n for n in names if sentence.index(n) > 0]
    if not names:
        return None
    old = rng.choice(names)
    new = rng.choice([n for n in names_pool if n.lower() not in sentence.lower()] or ["Zanzibar"])
    return sentence.replace(old, new, 1)


def made_pairs(dataset: Path, documents: int, rng: random.Random) -> list[tuple[str, str, bool, str]]:
    """(claim, cited, supported, kind) from the dataset's first documents and the demo corpus."""
    files = sorted((dataset / "docs").iterdir())[:documents] + sorted((REPO / "demo_corpus").glob("*.txt"))
    names_pool = sorted(
        {
            w
            for f in files[:200]
            for w in re.findall(r"(?<=[a-z,] )[A-Z][a-z]{3,}\b", f.read_text())
            if w.lower() not in STOPWORDS
        }
    )
    pairs: list[tuple[str, str, bool, str]] = []
    for path in files:
        sentences = sentences_of(path)
        for index, sentence in enumerate(sentences):
            pairs.append((sentence, sentence, True, "own span"))
            for kind, variant in (("clause dropped", drop_clause(sentence)), ("reordered", reorder(sentence))):
                if variant:
                    pairs.append((variant, sentence, True, kind))
            shared = [o for j, o in enumerate(sentences) if j != index and proper_names(o) & proper_names(sentence)]
            if shared:
                pairs.append((sentence, rng.choice(shared), False, "other sentence, same entities"))
            changed = change_number(sentence, rng)
            if changed:
                pairs.append((changed, sentence, False, "number changed"))
            renamed = change_name(sentence, names_pool, rng)
            if renamed:
                pairs.append((renamed, sentence, False, "name changed"))
    return pairs


def regression(pairs: list[tuple[str, str, bool, str]]) -> dict:
    """Share judged right per kind of made pair, by the checker (real encoder) and by the rules."""
    from index.embedding import LocalEmbeddings
    from rag.checking.support import SupportChecker
    from rag.settings import Settings

    threshold = Settings().checks.support_threshold
    checker = SupportChecker(LocalEmbeddings(dtype="float32").encode_tokens, threshold)
    judged = [
        (checker.check(claim, span).supported, verify(claim, span, RULES_THRESHOLD).supported, gold, kind)
        for claim, span, gold, kind in pairs
    ]
    report = {}
    for kind in sorted({k for *_, k in judged}):
        rows = [(c, r, g) for c, r, g, k in judged if k == kind]
        report[kind] = {
            "pairs": len(rows),
            "checker": round(sum(c == g for c, _, g in rows) / len(rows), 3),
            "rules": round(sum(r == g for _, r, g in rows) / len(rows), 3),
        }
    return report


def main() -> None:
    from bench.support import human_report

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attribution", type=Path, required=True, help="attribution-dev (human judgements)")
    parser.add_argument("--pairs", type=Path, default=None, help="a dataset whose documents make the regression pairs")
    parser.add_argument("--documents", type=int, default=150, help="documents of --pairs to draw from")
    parser.add_argument("--conflicts", type=Path, default=None, help="a dataset for the conflict set")
    args = parser.parse_args()
    human, _ = human_report(args.attribution)
    report = {
        "human judgements (attribution-dev)": {
            key: human[key]
            for key in ("true supported share", "checker (model + hard checks), 5-fold", "model, leave one source out")
        }
        | {"rules (rag.verify)": human["rules (rag.verify)"]["all"]},
    }
    if args.conflicts:
        from bench.conflicts import conflict_report

        report["conflict set"] = conflict_report(args.conflicts, REPO / "bench" / ".work")
    if args.pairs:
        report["regression: made pairs"] = regression(made_pairs(args.pairs, args.documents, random.Random(7)))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
