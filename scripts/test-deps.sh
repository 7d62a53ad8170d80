#!/usr/bin/env bash
# System packages the test suite needs beyond the venv: Debian's chromium for the browser tests, and PostgreSQL 15
# for the database tests. The tests start their own throwaway server (tests/helpers/postgres.py) from the binaries
# alone; a `main` cluster the package may create and start is not used, and is left as it is.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
PACKAGES=()
[ -x /usr/bin/chromium ] || PACKAGES+=(chromium)
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || PACKAGES+=(postgresql-15)
if [ "${#PACKAGES[@]}" -gt 0 ]; then
  echo "test-deps: installing Debian ${PACKAGES[*]} for the tests"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
fi
