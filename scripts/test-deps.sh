#!/usr/bin/env bash
# System packages the test suite needs beyond the venv: Debian's chromium for the browser tests.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  echo "test-deps: installing Debian chromium for the browser tests"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
