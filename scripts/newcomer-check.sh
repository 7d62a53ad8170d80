#!/usr/bin/env bash
# What a new user does without our Makefile: a stock venv (its own pip, not upgraded), the pinned CPU torch,
# then `pip install` of Citewise without extras, then `citewise ingest` of one file per supported format.
# Passes only if the ingest exits 0 with every file indexed. Usage: scripts/newcomer-check.sh WORK_DIR
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:?usage: scripts/newcomer-check.sh WORK_DIR}"
mkdir -p "$work"
venv="$work/venv"
python3 -m venv "$venv"
echo "newcomer: $("$venv/bin/pip" --version)"
"$venv/bin/pip" install --quiet --disable-pip-version-check "torch==2.13.0"
"$venv/bin/pip" install --quiet --disable-pip-version-check "$repo"
formats="$repo/tests/data/formats"
status=0
"$venv/bin/citewise" ingest "$formats" --store "$work/store" --json > "$work/report.json" || status=$?
"$venv/bin/python" - "$formats" "$work/report.json" "$status" <<'PY'
import json, pathlib, sys
formats, report_path, status = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
report = json.loads(pathlib.Path(report_path).read_text())
wanted = sorted(str(p) for p in formats.iterdir())
added = sorted(item["path"] for item in report["added"])
for item in report["failed"]:
    print(f"newcomer: FAILED {item['path']}: {item['reason']}")
print(f"newcomer: citewise ingest exit {status}; {len(added)} of {len(wanted)} files indexed "
      f"({', '.join(sorted({pathlib.Path(p).suffix for p in added}))})")
sys.exit(0 if status == 0 and added == wanted and not report["failed"] else 1)
PY
# The installed package answers too (its data files, such as the abstention model, were packaged).
"$venv/bin/citewise" ask "When was the Larkfield lighthouse lit for the first time?" --store "$work/store" --json \
  > "$work/answer.json"
"$venv/bin/python" - "$formats" "$work/answer.json" <<'PY'
import json, pathlib, sys
formats, answer = pathlib.Path(sys.argv[1]), json.loads(pathlib.Path(sys.argv[2]).read_text())
source = (formats / "lighthouse.txt").read_text(encoding="utf-8")
quotes = [c["quote"] for c in answer["citations"]]
ok = not answer["abstained"] and any("12 March 1871" in q and q in source for q in quotes)
print(f"newcomer: citewise ask {'answered from' if ok else 'FAILED on'} lighthouse.txt: {answer['answer'][:100]!r}")
sys.exit(0 if ok else 1)
PY
