#!/usr/bin/env bash
# Creates .venv and installs Citewise with everything its tests need. Idempotent: a stamp of the
# dependency files makes a second run a no-op. The CPU torch is installed first, because a bare
# `torch` requirement would otherwise pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=.venv
# Debian's Tesseract reads scanned PDF pages and images of text; without it those pages are left out.
if ! command -v tesseract >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing Debian's tesseract-ocr for scanned pages"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tesseract-ocr \
      tesseract-ocr-eng >/dev/null; } || echo "setup: could not install tesseract-ocr; scanned pages will be left out"
fi
stamp="$VENV/.citewise-setup"
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
echo "setup: installing CPU torch 2.13.0"
"$VENV/bin/python" -m pip install --quiet "torch==2.13.0"
echo "setup: installing citewise and its dependencies"
"$VENV/bin/python" -m pip install --quiet -e ".[dev,llm]"
echo "$want" > "$stamp"
echo "setup: done"
