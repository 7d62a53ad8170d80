"""Calibrate `rag.verify` on sentence pairs built from real text (hotpotqa100 documents and the demo corpus).

Supported pairs: a sentence against its own span; a light rewording of it (a clause dropped; clauses
reordered) against the original. Unsupported pairs: a sentence against another sentence of the same
document that shares a name with it; a sentence with one number, year or name changed against the original.
Prints precision and recall of `supported`, and how many of the changed numbers and names were caught.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

from bench import common  # noqa: F401  (offline environment)
from index.chunking import split_sentences
from rag.text import numbers, proper_names
from rag.verify import verify

REPO = Path(__file__).resolve().parents[1]


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
    value, written, offset = rng.choice(found)
    digits = re.sub(r"\d", lambda m: str((int(m.group(0)) + 1) % 10), written, count=1)
    return sentence[:offset] + digits + sentence[offset + len(written) :] if digits != written else None


def change_name(sentence: str, names_pool: list[str], rng: random.Random) -> str | None:
    names = [w for w in re.findall(r"\b[A-Z][a-z]{3,}\b", sentence) if w.lower() in proper_names(sentence)]
    names = [n for n in names if sentence.index(n) > 0]
    if not names:
        return None
    old = rng.choice(names)
    new = rng.choice([n for n in names_pool if n.lower() not in sentence.lower()] or ["Zanzibar"])
    return sentence.replace(old, new, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--documents", type=int, default=400, help="hotpotqa100 documents to draw from")
    parser.add_argument("--threshold", type=float, default=None, help="default: the configured support_threshold")
    args = parser.parse_args()
    from rag.settings import Settings

    threshold = args.threshold if args.threshold is not None else Settings().support_threshold
    rng = random.Random(7)
    files = sorted((args.dataset / "docs").iterdir())[: args.documents] + sorted((REPO / "demo_corpus").glob("*.txt"))
    from rag.text import STOPWORDS

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
    results = [(verify(claim, span, threshold).supported, gold, kind) for claim, span, gold, kind in pairs]
    tp = sum(p and g for p, g, _ in results)
    fp = sum(p and not g for p, g, _ in results)
    fn = sum(not p and g for p, g, _ in results)
    print(f"{len(pairs)} pairs from {len(files)} documents, threshold {threshold}")
    print(f"precision {tp / max(tp + fp, 1):.3f}  recall {tp / max(tp + fn, 1):.3f}")
    for kind in sorted({k for *_, k in results}):
        rows = [(p, g) for p, g, k in results if k == kind]
        right = sum(p == g for p, g in rows)
        print(f"  {kind:<32} {len(rows):>5} pairs, {right / len(rows):.1%} judged right")


if __name__ == "__main__":
    main()
