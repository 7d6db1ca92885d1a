#!/usr/bin/env bash
# Runs the whole suite on SQLite, then on PostgreSQL when one is configured or answers.
# On CI (CI=true) PostgreSQL is required: unreachable means failure, never a skip.
set -uo pipefail
BIN=.venv/bin
PG_URL="${DATABASE_URL:-}"
case "$PG_URL" in postgres*) ;; *) PG_URL="" ;; esac
if [ -z "$PG_URL" ] && $BIN/python - <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
try:
    s.connect(("127.0.0.1", 5432))
except OSError:
    sys.exit(1)
PY
then
  PG_URL="postgres://postgres@127.0.0.1:5432/skaitykla"
fi
if [ -z "$PG_URL" ] && [ "${CI:-}" = "true" ]; then
  echo "CI requires PostgreSQL: set DATABASE_URL or start it on 127.0.0.1:5432" >&2
  exit 1
fi

status=0
echo "=== Test suite on SQLite ==="
DATABASE_URL= $BIN/pytest "$@" || status=1
if [ -n "$PG_URL" ]; then
  echo "=== Test suite on PostgreSQL ($PG_URL) ==="
  DATABASE_URL="$PG_URL" $BIN/pytest "$@" || status=1
else
  echo "PostgreSQL not reachable: ran on SQLite only (set DATABASE_URL to test on PostgreSQL)."
fi
exit $status
