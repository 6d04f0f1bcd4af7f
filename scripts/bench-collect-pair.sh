#!/usr/bin/env bash
# Paired collection benchmark: two builds of shuqiao, A (the reference, e.g. main) and B (a
# change), each importing the same population CSV into a fresh SQLite database (and, with
# PG=1, a fresh PostgreSQL database), PAIRS times over (A, B, A, B, …): this kind of machine
# changes speed by a third within minutes, so only figures taken minutes apart compare.
# Reports each run's wall time, user CPU and peak memory (GNU time), then B ÷ A per pair and
# the median ratio.
#
#   bash scripts/bench-collect-pair.sh A_BIN B_BIN              # 1,000,000 persons, 3 pairs, SQLite
#   PERSONS=200000 PAIRS=5 PG=1 bash scripts/bench-collect-pair.sh A_BIN B_BIN
#
# Environment: PERSONS (1000000), PAIRS (3), PG (0; 1 also pairs PostgreSQL imports),
# PG_URL (postgres://postgres@127.0.0.1:5432/postgres), KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: $0 A_BIN B_BIN" >&2; exit 2; }
A_BIN=$(realpath "$1")
B_BIN=$(realpath "$2")
PERSONS=${PERSONS:-1000000}
PAIRS=${PAIRS:-3}
PG=${PG:-0}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
KEEP=${KEEP:-0}
for b in "$A_BIN" "$B_BIN"; do [ -x "$b" ] || { echo "not an executable: $b" >&2; exit 2; }; done
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
W=$(mktemp -d /tmp/shuqiao-bench-collect-pair.XXXXXX)
cleanup() { [ "$KEEP" = 1 ] && echo "kept $W" || rm -rf "$W"; }
trap cleanup EXIT

echo "== generating $PERSONS persons (with A)"
"$A_BIN" demo-files --persons "$PERSONS" --out "$W" >/dev/null 2>&1
CSV=$W/population.csv

# run BIN DATABASE → "wall_s user_s peak_kb" of one import into a fresh demo catalog.
run() {
  local bin=$1 db=$2 key=$W/run.key
  rm -f "$key"
  # The key file through the environment: builds whose `import` reads no key file ignore it.
  SHUQIAO_AUDIT_KEY_FILE=$key "$bin" --database "$db" demo --persons 0 --companies 0 >/dev/null 2>&1
  sync
  SHUQIAO_AUDIT_KEY_FILE=$key /usr/bin/time -f '%e %U %M' -o "$W/time" \
    "$bin" --database "$db" import 101001-000001 "$CSV" --as steward.gat \
    >"$W/out" 2>"$W/err" || { cat "$W/out" "$W/err" >&2; return 1; }
  grep -q "applied" "$W/out" || { cat "$W/out" >&2; return 1; }
  cat "$W/time"
}

sqlite_db() { rm -rf "$W/db"; mkdir -p "$W/db"; echo "$W/db/s.db"; }
pg_db() {
  local name=shuqiao_pair_$$
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $name" -qc "CREATE DATABASE $name" >/dev/null 2>&1
  echo "${PG_URL%/*}/$name"
}

pair() {
  local engine=$1 ratios=()
  for i in $(seq 1 "$PAIRS"); do
    local a b
    a=$(run "$A_BIN" "$($engine)")
    b=$(run "$B_BIN" "$($engine)")
    local r
    r=$(awk -v a="${a%% *}" -v b="${b%% *}" 'BEGIN{printf "%.3f", b/a}')
    ratios+=("$r")
    printf '%-6s pair %d  A %s  B %s  (wall s, user s, peak KB)  B/A %s\n' "${engine%_db}" "$i" "$a" "$b" "$r"
  done
  printf '%s\n' "${ratios[@]}" | sort -n | awk -v e="${engine%_db}" \
    '{v[NR]=$1} END{printf "%-6s median B/A wall time: %.3f over %d pairs\n", e, v[int((NR+1)/2)], NR}'
}

pair sqlite_db
if [ "$PG" = 1 ]; then
  if psql "$PG_URL" -qAtc 'SELECT 1' >/dev/null 2>&1; then
    pair pg_db
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS shuqiao_pair_$$" >/dev/null
  else
    echo "PostgreSQL not reachable at $PG_URL: skipped"
  fi
fi
