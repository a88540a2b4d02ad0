#!/usr/bin/env bash
# `make test`: static checks, then the whole suite on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# The PostgreSQL half of the suite needs a server; start the local one if it is installed but down.
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi

echo "== ruff"; $BIN/ruff check src tests bench
echo "== mypy"; $BIN/mypy
echo "== import contracts"; $BIN/lint-imports
echo "== pytest"
set +e
$BIN/pytest "$@"
status=$?
set -e
# pytest exits 5 when it collected no tests: that must never pass as green.
if [ $status -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
exit $status
