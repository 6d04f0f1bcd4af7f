#!/usr/bin/env bash
# kill -9 under load (scripts/kill_trials.py): concurrent imports, pushes, sharing decisions
# and audited lookups against `shuqiao serve --demo`, the server killed with SIGKILL at a
# random moment of each trial and restarted; after each restart every receipt a client got
# must be in the log, every checkpoint it saw consistent with the new head, every batch whole
# (all its rows if acknowledged, all or none if not), every acknowledged decision there, and
# `shuqiao audit verify` must pass. SQLite first, then PostgreSQL when a server is named.
#
#   bash scripts/kill-trials.sh                                # 50 SQLite trials (+ 20 on PostgreSQL)
#   KILL_TRIALS=5 KILL_TRIALS_PG=3 bash scripts/kill-trials.sh # the bounded CI run
#
# Environment: KILL_TRIALS (SQLite trials, 50), KILL_TRIALS_PG (PostgreSQL trials, 20; 0 = none),
# KILL_PG_URL (a server to create a scratch database on; default SHUQIAO_TEST_PG_URL, and
# without either no PostgreSQL trials), KILL_PERSONS (20000), KILL_SEED (20261207),
# SHUQIAO_BIN (default: builds the debug binary), KEEP=1 keeps the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TRIALS=${KILL_TRIALS:-50}
TRIALS_PG=${KILL_TRIALS_PG:-20}
PG_URL=${KILL_PG_URL:-${SHUQIAO_TEST_PG_URL:-}}
PERSONS=${KILL_PERSONS:-20000}
SEED=${KILL_SEED:-20261207}
if [ -z "${SHUQIAO_BIN:-}" ]; then
  cargo build --quiet -p shuqiao
  SHUQIAO_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/shuqiao"
fi
# The trials run the server from their own directory.
SHUQIAO_BIN=$(realpath "$SHUQIAO_BIN")

W=$(mktemp -d "${TMPDIR:-/tmp}/shuqiao-kill.XXXXXX")
PG_DB=
cleanup() {
  if [ -n "$PG_DB" ]; then psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "kill-trials: kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

trials() { # trials NAME DATABASE COUNT
  mkdir -p "$W/$1"
  echo "== $1: $3 trials"
  python3 "$ROOT/scripts/kill_trials.py" --bin "$SHUQIAO_BIN" --database "$2" --work "$W/$1" \
    --trials "$3" --persons "$PERSONS" --seed "$SEED" || {
    echo "== $1: the server's log ends:"; tail -n 40 "$W/$1/server.log"; return 1
  }
}

trials sqlite "$W/sqlite/shuqiao.db" "$TRIALS"
if [ "$TRIALS_PG" -gt 0 ] && [ -n "$PG_URL" ]; then
  PG_DB="shuqiao_kill_$$"
  psql "$PG_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
  base=${PG_URL%/*}
  trials postgres "$base/$PG_DB" "$TRIALS_PG"
elif [ "$TRIALS_PG" -gt 0 ]; then
  echo "NOTE: neither KILL_PG_URL nor SHUQIAO_TEST_PG_URL is set: no PostgreSQL trials."
fi
