#!/usr/bin/env bash
# Collection benchmark: import the 1,000,000-person population CSV with full validation and
# versioning through `shuqiao import`, and in the same run the same file with `sqlite3 .import`
# into a plain table with the same primary key (the raw limit). Then the same on PostgreSQL,
# against `\copy` into a plain table. Reports times, ratios and peak memory (GNU time).
#
#   bash scripts/bench-collect.sh            # 1,000,000 persons
#   PERSONS=200000 bash scripts/bench-collect.sh
#   PG_URL=postgres://postgres@127.0.0.1:5432/postgres bash scripts/bench-collect.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PERSONS=${PERSONS:-1000000}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need sqlite3 sqlite3
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release -p shuqiao >/dev/null 2>&1 || cargo build --release -p shuqiao
BIN=$PWD/target/release/shuqiao
W=$(mktemp -d /tmp/shuqiao-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

echo "== generating $PERSONS persons"
"$BIN" demo-files --persons "$PERSONS" --out "$W" 2>&1 | tail -n 2
CSV=$W/population.csv
ls -l "$CSV" | awk '{printf "file: %.1f MB\n", $5/1e6}'

# time_of CMD… → prints "seconds peak_kb" of the command (GNU time).
time_of() {
  /usr/bin/time -f '%e %M' -o "$W/time" "$@" >"$W/out" 2>"$W/err" || { cat "$W/out" "$W/err"; return 1; }
  cat "$W/time"
}

echo "== SQLite"
"$BIN" --database "$W/s.db" demo --persons 0 --companies 0 >/dev/null 2>&1
sync
read -r ours_s ours_kb < <(time_of "$BIN" --database "$W/s.db" import 101001-000001 "$CSV" --as steward.gat)
grep -E "batch|read" "$W/out" | head -n 2
# The raw limit: the same file into a plain table with the same primary key.
HEADER=$(head -n 1 "$CSV" | sed -e 's/^\xef\xbb\xbf//' -e 's/\r$//')
COLS=$(echo "$HEADER" | awk -F, '{for(i=1;i<=NF;i++){printf "%s\"%s\" TEXT%s", (i>1?", ":""), $i, (i==1?" PRIMARY KEY":"")}}')
sqlite3 "$W/raw.db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE population ($COLS);" >/dev/null
sync
read -r raw_s raw_kb < <(time_of sqlite3 "$W/raw.db" ".mode csv" ".import --skip 1 $CSV population")
raw_rows=$(sqlite3 "$W/raw.db" "SELECT COUNT(*) FROM population")
# The same with the page cache shuqiao gives a batch (192 MiB): the fair comparison.
sqlite3 "$W/raw2.db" "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE population ($COLS);" >/dev/null
sync
read -r raw2_s raw2_kb < <(time_of sqlite3 "$W/raw2.db" "PRAGMA cache_size=-196608;" ".mode csv" ".import --skip 1 $CSV population")
ours_rows=$(sqlite3 "$W/s.db" "SELECT COUNT(*) FROM records WHERE live = 1 AND resource = '101001-000001'")
printf 'sqlite  shuqiao import: %6.2f s  peak %4d MB  %d records\n' "$ours_s" $((ours_kb/1024)) "$ours_rows"
printf 'sqlite  sqlite3 .import: %6.2f s  peak %4d MB  %d rows\n' "$raw_s" $((raw_kb/1024)) "$raw_rows"
printf 'sqlite  sqlite3 .import, 192 MiB cache: %6.2f s  peak %4d MB\n' "$raw2_s" $((raw2_kb/1024))
awk -v a="$ours_s" -v b="$raw_s" 'BEGIN{printf "sqlite  ratio: %.2fx the raw import with sqlite3 defaults (target <= 1.5x)\n", a/b}'
awk -v a="$ours_s" -v b="$raw2_s" 'BEGIN{printf "sqlite  ratio: %.2fx the raw import with the same cache\n", a/b}'

# Re-import of the same file: every row unchanged.
read -r again_s again_kb < <(time_of "$BIN" --database "$W/s.db" import 101001-000001 "$CSV" --as steward.gat)
printf 'sqlite  re-import, all unchanged: %6.2f s  peak %4d MB\n' "$again_s" $((again_kb/1024))

echo "== PostgreSQL"
if psql "$PG_URL" -qAtc 'SELECT 1' >/dev/null 2>&1; then
  DB=shuqiao_bench_$$
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $DB" -qc "CREATE DATABASE $DB" >/dev/null
  PGDB=${PG_URL%/*}/$DB
  "$BIN" --database "$PGDB" demo --persons 0 --companies 0 --audit-key-file "$W/pg.key" >/dev/null 2>&1
  read -r pg_s pg_kb < <(time_of "$BIN" --database "$PGDB" import 101001-000001 "$CSV" --as steward.gat)
  grep -E "batch|read" "$W/out" | head -n 2
  psql "$PGDB" -qc "CREATE TABLE raw_population ($COLS)" >/dev/null
  read -r pgraw_s pgraw_kb < <(time_of psql "$PGDB" -qc "\\copy raw_population FROM '$CSV' WITH (FORMAT csv, HEADER true)")
  printf 'pg      shuqiao import: %6.2f s  peak %4d MB\n' "$pg_s" $((pg_kb/1024))
  printf 'pg      psql \\copy:     %6.2f s\n' "$pgraw_s"
  awk -v a="$pg_s" -v b="$pgraw_s" 'BEGIN{printf "pg      ratio: %.2fx the raw COPY\n", a/b}'
  psql "$PG_URL" -qc "DROP DATABASE $DB" >/dev/null
else
  echo "PostgreSQL not reachable at $PG_URL: skipped"
fi
