#!/usr/bin/env bash
# Paired exchange benchmark: two builds of shuqiao, A (the reference, e.g. main) and B (a
# change), each serving a fresh copy of one 1,000,000-person database, measured in turn with
# the same load, PAIRS times over (A, B, A, B, …). This kind of machine changes speed by a
# third within minutes, so only figures taken minutes apart compare; a change is worth keeping
# when B beats A in most pairs, by more than the spread between pairs. This is the "ab.sh"
# method of docs/bench-log/2026-12-03.md; the full benchmark with its references is
# scripts/bench-exchange.sh.
#
# Per run: audited lookups through GET /api/v1/exchange/101001-000001/records/{GMSFHM} with the
# demo's hi-rst-sbxt token and random keys (wrk, keep-alive, loopback only), req/s, p50/p99,
# the server's CPU per call (user + system from /proc, every thread of it; and split by thread:
# the async workers, the upkeep thread, the journal's syncer, the rest) and its peak memory
# (VmHWM); then B ÷ A per pair. Each server serves ROUNDS runs back to back (the log grows
# between them, as in a server in service), after a WARMUP run.
#
#   bash scripts/bench-exchange-pair.sh A_BIN B_BIN                 # c=32, 3 pairs of 8 s
#   CONNS=128 PAIRS=5 DURATION=10 bash scripts/bench-exchange-pair.sh A_BIN B_BIN
#   ROUNDS=3 DURATION=10 bash scripts/bench-exchange-pair.sh A_BIN B_BIN   # watch the p99 grow
#
# Environment: CONNS (32), PAIRS (3), DURATION (seconds, 8), ROUNDS (1), WARMUP (seconds, 2),
# PERSONS (1000000), KEYS (10000), PORT (18080), SEED (460000), ENV_A / ENV_B (extra
# environment for one server, e.g. ENV_B="SHUQIAO_LOG=info"), KEEP=1 keeps the temp dir.
# The database is made once by A (`demo`); B opens its copy and migrates it if it must.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LUA=$ROOT/scripts/bench-exchange/load.lua
# shellcheck source=bench-exchange/threads.sh
. "$ROOT/scripts/bench-exchange/threads.sh"
[ $# -eq 2 ] || { echo "usage: $0 A_BIN B_BIN" >&2; exit 2; }
A_BIN=$(realpath "$1")
B_BIN=$(realpath "$2")
CONNS=${CONNS:-32}
PAIRS=${PAIRS:-3}
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-1}
WARMUP=${WARMUP:-2}
PERSONS=${PERSONS:-1000000}
NKEYS=${KEYS:-10000}
PORT=${PORT:-18080}
SEED=${SEED:-460000}
ENV_A=${ENV_A:-}
ENV_B=${ENV_B:-}
KEEP=${KEEP:-0}
RESOURCE=101001-000001

die() { echo "bench-exchange-pair: ERROR: $*" >&2; exit 1; }
for n in CONNS PAIRS DURATION ROUNDS WARMUP PERSONS NKEYS PORT; do
  [[ ${!n} =~ ^[0-9]+$ ]] || die "$n must be a whole number (got ${!n})"
done
[ "$DURATION" -ge 1 ] && [ "$PAIRS" -ge 1 ] && [ "$ROUNDS" -ge 1 ] || die "DURATION, PAIRS and ROUNDS must be >= 1"
for b in "$A_BIN" "$B_BIN"; do [ -x "$b" ] || die "not an executable: $b"; done
for t in wrk curl shuf sqlite3; do
  command -v "$t" >/dev/null 2>&1 || die "$t is missing (apt-get install -y wrk curl coreutils sqlite3)"
done
curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/" && die "port $PORT is in use"

W=$(mktemp -d /tmp/shuqiao-bench-pair.XXXXXX)
SERVER=
stop_server() {
  [ -n "$SERVER" ] || return 0
  kill "$SERVER" 2>/dev/null || true
  timeout 10 tail --pid="$SERVER" -f /dev/null 2>/dev/null || kill -9 "$SERVER" 2>/dev/null || true
  SERVER=
}
cleanup() {
  local rc=$?
  trap - EXIT
  stop_server
  if [ "$KEEP" = 1 ]; then echo "(kept $W)"; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "bench-exchange-pair: $(date -u +%FT%TZ), $(nproc) cores, CONNS=$CONNS PAIRS=$PAIRS DURATION=${DURATION}s ROUNDS=$ROUNDS PERSONS=$PERSONS"
echo "A = $A_BIN"
echo "B = $B_BIN"

# ---------------------------------------------------------------- one database for both
echo "== the database (A: demo-files, demo)"
"$A_BIN" demo-files --seed "$SEED" --persons "$PERSONS" --out "$W/files" >"$W/files.log" 2>&1 ||
  { cat "$W/files.log"; die "demo-files failed"; }
tail -n +2 "$W/files/population.csv" | cut -d, -f1 | tr -d '\r' |
  shuf -n "$NKEYS" --random-source=<(yes) >"$W/keys.txt"
mkdir -p "$W/base"
timeout 900 "$A_BIN" --database "$W/base/s.db" demo --seed "$SEED" --persons "$PERSONS" \
  >"$W/demo.log" 2>&1 || { tail -5 "$W/demo.log"; die "demo failed"; }
TOKEN=$("$A_BIN" demo-tokens --seed "$SEED" | awk -F'\t' '$1=="hi-rst-sbxt"{print $2}')
[ -n "$TOKEN" ] || die "no demo token for hi-rst-sbxt"
for f in "$W"/base/*.db; do sqlite3 "$f" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null; done

load() { # SECONDS [--latency]: wrk against the server on PORT, prints its RESULT line
  wrk -t2 -c"$CONNS" -d"$1"s "${@:2}" -s "$LUA" "http://127.0.0.1:$PORT" \
    -H "Authorization: Bearer $TOKEN" -- "/api/v1/exchange/$RESOURCE/records/" "" "$W/keys.txt" |
    grep '^RESULT' || true
}
field() { sed -n "s/.*[ ]$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run LABEL BIN ENV: a fresh copy, the server, WARMUP, then ROUNDS measured runs; appends
# "LABEL round rps p50 p99 cpu_us hwm_mb" lines to $W/results.
run() {
  local label=$1 bin=$2 extra=$3 r
  rm -rf "$W/run"
  cp -r "$W/base" "$W/run"
  # shellcheck disable=SC2086 # ENV_A / ENV_B are lists of NAME=value words
  env SHUQIAO_LOG=warn $extra timeout $((60 + (WARMUP + DURATION + 5) * ROUNDS + 60)) \
    "$bin" --database "$W/run/s.db" serve --demo --seed "$SEED" --persons "$PERSONS" \
    --exchange-rate 10000000 --listen "127.0.0.1:$PORT" >"$W/server-$label.log" 2>&1 &
  SERVER=$!
  local pid=
  for _ in $(seq 1 600); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/api/v1/health" && break
    kill -0 "$SERVER" 2>/dev/null || { tail -5 "$W/server-$label.log"; die "$label's server stopped"; }
    sleep 0.2
  done
  pid=$(ps -o pid= --ppid "$SERVER" | awk 'NR==1{print $1}')
  [ -n "$pid" ] || pid=$SERVER
  [ "$WARMUP" -gt 0 ] && load "$WARMUP" >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    local t0 t1 out n
    t0=$(cpu_ticks "$pid")
    local k0 k1
    k0=$(thread_ticks "$pid")
    out=$(load "$DURATION" --latency)
    t1=$(cpu_ticks "$pid")
    k1=$(thread_ticks "$pid")
    n=$(field requests "$out")
    [ -n "$n" ] && [ "$n" -gt 0 ] || die "$label: wrk reported no requests"
    [ "$(field non2xx "$out")" = 0 ] || echo "  warning: $label had $(field non2xx "$out") non-2xx answers"
    # /proc ticks are 1/100 s: µs per call = ticks × 10,000 / calls.
    printf '%s %s %s %s %s %s %s\n' "$label" "$r" "$(field rps "$out")" "$(field p50_us "$out")" \
      "$(field p99_us "$out")" "$(( (t1 - t0) * 10000 / n ))" \
      "$(awk '$1=="VmHWM:"{printf "%.1f", $2*1024/1e6}' "/proc/$pid/status")" >>"$W/results"
    tail -n1 "$W/results" | awk '{printf "  %-2s round %s  %9.1f req/s  p50 %6.3f ms  p99 %7.3f ms  %4d µs CPU a call  peak %6.1f MB\n", $1, $2, $3, $4/1000, $5/1000, $6, $7}'
    # Threads that ended during the run (none in a steady server) drop out of the split.
    echo "$k0 $k1 $n" | awk '{n = $9; printf "      µs a call by thread: workers %.1f, upkeep %.1f, journal syncer %.1f, other %.1f\n",
      ($5 - $1) * 10000 / n, ($6 - $2) * 10000 / n, ($7 - $3) * 10000 / n, ($8 - $4) * 10000 / n}'
  done
  stop_server
}

: >"$W/results"
for p in $(seq 1 "$PAIRS"); do
  echo "== pair $p of $PAIRS"
  run A "$A_BIN" "$ENV_A"
  run B "$B_BIN" "$ENV_B"
done

echo
echo "== B ÷ A, req/s, per pair and round (CONNS=$CONNS)"
awk '
  $1=="A" { a[++na]=$3 }
  $1=="B" { b[++nb]=$3 }
  END {
    wins=0
    for (i=1; i<=na && i<=nb; i++) {
      r=b[i]/a[i]; printf "  %d: A %9.1f  B %9.1f  B/A %.3f\n", i, a[i], b[i], r
      if (r>1) wins++; s+=r
    }
    printf "mean B/A %.3f; B ahead in %d of %d\n", s/nb, wins, nb
  }' "$W/results"
