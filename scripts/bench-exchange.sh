#!/usr/bin/env bash
# Exchange benchmark: audited record lookups by key through the platform's exchange API, against
# two references measured in the same run:
#   1. shuqiao lookups   GET /api/v1/exchange/101001-000001/records/{GMSFHM}  (Bearer token)
#   2. bare ceiling      GET /api/v1/health of the same server (small fixed JSON body)
#   3. Datasette         the same rows from an SQLite file, row JSON by primary key:
#                        GET /pop/population/{GMSFHM}.json?_shape=objects
#   4. unaudited lookup  the same SQLite file through a bare axum handler, no token, no audit
#                        (crates/http/examples/bare_lookup.rs): GET /row/{GMSFHM}
# Load: wrk, keep-alive, random keys out of KEYS ID numbers taken from the demo CSV (the same keys
# for shuqiao and Datasette), at 32 and 128 connections. All four servers stay up and are measured
# in turn, ROUNDS times over (every target at every connection count in each round), because
# this kind of machine changes speed by a third within minutes: a ratio is taken within a round
# and the report gives the median over the rounds. Reports req/s, p50/p99 (medians over the
# rounds), the share of non-2xx answers, the server's peak memory (VmHWM), and the ratios
# against the targets.
# The demo is loaded by `shuqiao demo` before the server starts (its own process, its own peak).
# Bounded: wrk's -d, `timeout` around every server and wait loop; everything it started is
# stopped on exit and its temp dir under /tmp removed.
#
#   bash scripts/bench-exchange.sh                          # 1,000,000 persons, 3 rounds of 10 s runs
#   PERSONS=20000 DURATION=3s ROUNDS=1 bash scripts/bench-exchange.sh   # quick trial
#   TOKEN=sq_… bash scripts/bench-exchange.sh               # a token with a grant on 101001-000001
#
# Environment: PERSONS (1000000), DURATION (10s), ROUNDS (3), WARMUP (3s, 0 = none), CONNS ("32 128"),
# THREADS (2), KEYS (10000), PORT (18080, shuqiao), DS_PORT (8001, Datasette), REF_PORT (8002,
# the unaudited lookup), SEED (460000),
# TOKEN (default: grant_token below; GRANT_SYSTEM picks its demo system), START_TIMEOUT (600 s for the demo load), DATASETTE_ARGS
# (extra `datasette serve` options, e.g. "--setting num_sql_threads 2"), KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LUA=$ROOT/scripts/bench-exchange/load.lua
# shellcheck source=bench-exchange/threads.sh
. "$ROOT/scripts/bench-exchange/threads.sh"
BIN=${BIN:-$ROOT/target/release/shuqiao}

PERSONS=${PERSONS:-1000000}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-3s}
CONNS=${CONNS:-32 128}
THREADS=${THREADS:-2}
NKEYS=${KEYS:-10000}
PORT=${PORT:-18080}
DS_PORT=${DS_PORT:-8001}
REF_PORT=${REF_PORT:-8002}
REF_BIN=${REF_BIN:-$ROOT/target/release/examples/bare_lookup}
SEED=${SEED:-460000}
START_TIMEOUT=${START_TIMEOUT:-600}
DATASETTE_ARGS=${DATASETTE_ARGS:-}
KEEP=${KEEP:-0}
RESOURCE=101001-000001
# The demo CSV's header, in the order of the ASCII columns of Datasette's table below.
CSV_HEADER='公民身份号码,姓名,性别,民族,出生日期,出生地,户籍地址,户籍地行政区划代码,文化程度,婚姻状况,死亡标识,更新时间'
ASCII_COLS='GMSFHM TEXT PRIMARY KEY, XM TEXT, XB TEXT, MZ TEXT, CSRQ TEXT, CSD TEXT, HJDZ TEXT, HJDXZQHDM TEXT, WHCD TEXT, HYZK TEXT, SWBS TEXT, GXSJ TEXT'

die() { echo "bench-exchange: ERROR: $*" >&2; exit 1; }
say() { echo "== $*"; }

# Seconds of a wrk duration (15, 15s, 2m, 1h).
secs() {
  case $1 in
    *s) echo "${1%s}" ;;
    *m) echo $((${1%m} * 60)) ;;
    *h) echo $((${1%h} * 3600)) ;;
    *) echo "$1" ;;
  esac
}
DUR_S=$(secs "$DURATION")
WARM_S=$(secs "$WARMUP")
[[ $DUR_S =~ ^[0-9]+$ && $DUR_S -ge 1 ]] || die "DURATION must be like 15s, 2m or 15 (got $DURATION)"
[[ $WARM_S =~ ^[0-9]+$ ]] || die "WARMUP must be like 3s or 0 (got $WARMUP)"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || die "ROUNDS must be a number >= 1 (got $ROUNDS)"
NCONNS=$(wc -w <<<"$CONNS")
# Longest a server may live: the start plus every run with generous slack; `timeout` ends it then.
LIFETIME=$((START_TIMEOUT + 4 * ROUNDS * NCONNS * (DUR_S + 60) + 4 * (WARM_S + 60) + 900))

# ---------------------------------------------------------------- tools (idempotent installs)
APT_UPDATED=
need_apt() { # COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ -z "$APT_UPDATED" ]; then apt-get update -qq; APT_UPDATED=1; fi
  apt-get install -y -qq "$2" >/dev/null
  command -v "$1" >/dev/null 2>&1 || die "could not install $2"
}
need_apt wrk wrk
need_apt sqlite3 sqlite3
need_apt curl curl
need_apt shuf coreutils
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
if ! python3 -m datasette --version >/dev/null 2>&1; then
  python3 -m pip install -q datasette 2>/dev/null ||
    python3 -m pip install -q --break-system-packages datasette
  python3 -m datasette --version >/dev/null 2>&1 || die "could not install datasette"
fi
if [ ! -x "$BIN" ]; then
  say "building $BIN (missing)"
  cargo build --release -p shuqiao
fi
if [ ! -x "$REF_BIN" ]; then
  say "building $REF_BIN (missing)"
  cargo build --release -p shuqiao-http --example bare_lookup
fi

# ---------------------------------------------------------------- cleanup on exit
W=$(mktemp -d /tmp/shuqiao-bench-exchange.XXXXXX)
PIDS=()
stop_pid() { # PID: TERM, up to 10 s, then KILL
  local p=$1
  kill "$p" 2>/dev/null || return 0
  timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT
  local p
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  if [ "$KEEP" = 1 ]; then echo "(kept $W)"; else rm -rf "$W"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The child process of a `timeout` wrapper (the server itself, for /proc/PID/status).
child_of() { ps -o pid= --ppid "$1" | awk 'NR==1{print $1}'; }
port_free() { ! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; }
mem_mb() { # PID FIELD → MB (10^6 bytes) from /proc/PID/status
  awk -v f="$2:" '$1==f{printf "%.1f", $2*1024/1e6}' "/proc/$1/status"
}

echo "bench-exchange: $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)," \
  "datasette $(python3 -m datasette --version 2>&1 | sed "s/.*version //")"
echo "PERSONS=$PERSONS DURATION=$DURATION ROUNDS=$ROUNDS WARMUP=$WARMUP CONNS=\"$CONNS\" THREADS=$THREADS KEYS=$NKEYS"

# ---------------------------------------------------------------- data
say "generating $PERSONS persons"
"$BIN" demo-files --seed "$SEED" --persons "$PERSONS" --out "$W" 2>"$W/demo-files.log" ||
  { cat "$W/demo-files.log"; die "demo-files failed"; }
CSV=$W/population.csv
header=$(head -n 1 "$CSV" | sed -e 's/^\xef\xbb\xbf//' -e 's/\r$//')
[ "$header" = "$CSV_HEADER" ] || die "unexpected CSV header: $header"
rows=$(($(wc -l <"$CSV") - 1))
# Keys: NKEYS ID numbers (first column), the same pseudo-random choice on every run.
tail -n +2 "$CSV" | cut -d, -f1 | tr -d '\r' | shuf -n "$NKEYS" --random-source=<(yes) >"$W/keys.txt"
nkeys=$(wc -l <"$W/keys.txt")
[ "$nkeys" -gt 0 ] || die "no keys taken from $CSV"
grep -qvE '^[0-9]{17}[0-9X]$' "$W/keys.txt" && die "keys.txt holds something that is not an ID number"
echo "$rows rows, $(awk '{printf "%.1f MB", $1/1e6}' <<<"$(stat -c %s "$CSV")"); $nkeys keys"

say "SQLite file for Datasette"
sqlite3 "$W/pop.db" "CREATE TABLE population ($ASCII_COLS);" ".mode csv" \
  ".import --skip 1 '$CSV' population" >"$W/sqlite-import.log" 2>&1 ||
  { cat "$W/sqlite-import.log"; die "sqlite3 import failed"; }
dsrows=$(sqlite3 "$W/pop.db" "SELECT COUNT(*) FROM population")
[ "$dsrows" = "$rows" ] || { head "$W/sqlite-import.log"; die "pop.db has $dsrows rows, the CSV $rows"; }
sqlite3 "$W/pop.db" "SELECT 1 FROM population WHERE GXSJ LIKE '%'||char(13) LIMIT 1" | grep -q 1 &&
  die "carriage returns left in pop.db"
echo "pop.db: $dsrows rows, primary key GMSFHM"

# ---------------------------------------------------------------- measuring
RESULTS=$W/results # lines: TARGET CONNS round=N RESULT-fields…
ROUND=0
FAIL=
touch "$RESULTS"

# run_wrk LABEL TARGET CONNS DURATION BASE PREFIX SUFFIX KEYS_FILE [wrk options…]
run_wrk() {
  local label=$1 target=$2 c=$3 d=$4 base=$5 prefix=$6 suffix=$7 keys=$8
  shift 8
  local out=$W/wrk-$target-$c-$label-$ROUND.txt
  timeout $(($(secs "$d") + 60)) wrk -t"$THREADS" -c"$c" -d"$d" --latency "$@" -s "$LUA" "$base" -- \
    "$prefix" "$suffix" "$keys" >"$out" 2>&1 || { cat "$out"; die "wrk failed ($target, $c connections)"; }
  grep -q '^RESULT ' "$out" || { cat "$out"; die "no RESULT line from wrk ($target)"; }
  [ "$label" = run ] || return 0
  local r
  r=$(grep '^RESULT ' "$out" | sed 's/^RESULT //')
  echo "$target $c round=$ROUND $r" >>"$RESULTS"
  awk -v t="$target" -v c="$c" -v n="$ROUND" '{
      for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      sock = v["connect_err"] + v["read_err"] + v["write_err"] + v["timeout_err"]
      printf "  round %d  %-10s c=%-4d %10.1f req/s  p50 %7.3f ms  p99 %7.3f ms  non-2xx %d (%.3f%%)  socket errors %d\n",
        n, t, c, v["rps"], v["p50_us"] / 1000, v["p99_us"] / 1000, v["non2xx"],
        (v["requests"] > 0 ? 100 * v["non2xx"] / v["requests"] : 0), sock
    }' <<<"$r"
  local bad
  bad=$(awk '{for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "non2xx") print kv[2] }}' <<<"$r")
  if [ "$target" = lookups ] && [ "$bad" != 0 ]; then
    echo "bench-exchange: FAIL: $bad non-2xx answers to the shuqiao lookups at $c connections:" \
      "these figures are meaningless (wrong token or grant? see the probe above)" >&2
    FAIL=1
  fi
}

# target_args TARGET: sets ARGS to the target's BASE PREFIX SUFFIX KEYS_FILE [wrk options…].
target_args() {
  case $1 in
    ceiling) ARGS=("$SQ" /api/v1/health "" "") ;;
    lookups) ARGS=("$SQ" "$LOOKUP_PREFIX" "" "$W/keys.txt" -H "$AUTH") ;;
    datasette) ARGS=("$DS" "$DS_PREFIX" "$DS_SUFFIX" "$W/keys.txt") ;;
    unaudited) ARGS=("$REF" /row/ "" "$W/keys.txt") ;;
  esac
}

# probe URL [curl options…]: prints the HTTP status; the body is left in $W/probe.body.
probe() {
  local url=$1
  shift
  local code
  code=$(curl -s -o "$W/probe.body" -w '%{http_code}' --max-time 10 "$@" "$url") || true
  echo "${code:-000}"
}

# probe_rows NAME PREFIX SUFFIX FORMAT: the first 20 keys must answer 200 with a body holding
# FORMAT (printf, %s = the key), e.g. '"GMSFHM": "%s"'.
probe_rows() {
  local name=$1 prefix=$2 suffix=$3 format=$4 key code n=0
  while read -r key && [ $n -lt 20 ]; do
    code=$(probe "$prefix$key$suffix")
    # shellcheck disable=SC2059 # the format is the caller's
    if [ "$code" != 200 ] || ! grep -qF "$(printf "$format" "$key")" "$W/probe.body"; then
      head -c 2000 "$W/probe.body"
      die "$name answered $code for $key"
    fi
    n=$((n + 1))
  done <"$W/keys.txt"
  echo "probe: 20 rows answered 200 ($(wc -c <"$W/probe.body") bytes each)"
}

# ---------------------------------------------------------------- shuqiao
# The demo is loaded by `shuqiao demo` first, in its own process, so that the server's VmHWM is
# the peak of serving (start-up included) and not that of the bulk load; `serve --demo` then
# finds the database filled and loads nothing.
DB=$W/s.db
say "loading the demo province + $PERSONS persons (shuqiao demo)"
t0=$(date +%s)
timeout "$START_TIMEOUT" /usr/bin/time -f '%e %M' -o "$W/load.time" \
  "$BIN" --database "$DB" demo --seed "$SEED" --persons "$PERSONS" >"$W/demo.log" 2>&1 ||
  { tail -n 20 "$W/demo.log"; die "shuqiao demo failed or took over ${START_TIMEOUT}s"; }
grep -E "collected|已归集" "$W/demo.log" | head -n 1 || true
read -r load_s load_kb <"$W/load.time"
LOAD_MB=$(awk -v k="$load_kb" 'BEGIN{printf "%.1f", k*1024/1e6}')
echo "loaded in $load_s s, peak $LOAD_MB MB (the loading process, not the server)"

say "shuqiao server on 127.0.0.1:$PORT"
port_free "$PORT" || die "port $PORT is in use; set PORT=…"
t0=$(date +%s)
# The rate limiter runs on every call, set far above what one machine can send so that it never
# refuses: the benchmark measures lookups, not 429s (EXCHANGE_RATE to change).
timeout "$LIFETIME" "$BIN" --database "$DB" serve --demo --seed "$SEED" --persons "$PERSONS" \
  --exchange-rate "${EXCHANGE_RATE:-10000000}" --listen "127.0.0.1:$PORT" >"$W/serve.log" 2>&1 &
SQ_T=$!
PIDS+=("$SQ_T")
if ! timeout "$START_TIMEOUT" bash -c "until grep -q 'listening on http://' '$W/serve.log'; do
      kill -0 $SQ_T 2>/dev/null || exit 3; sleep 0.5; done"; then
  tail -n 20 "$W/serve.log"
  die "shuqiao did not start listening within ${START_TIMEOUT}s (see the log above)"
fi
SQ_PID=$(child_of "$SQ_T")
[ -n "$SQ_PID" ] || die "cannot find the shuqiao server process"
PIDS+=("$SQ_PID")
grep -qE "collected|已归集" "$W/serve.log" && echo "warning: serve --demo loaded data itself (the database was empty?)" >&2
echo "listening after $(($(date +%s) - t0)) s; pid $SQ_PID, VmRSS $(mem_mb "$SQ_PID" VmRSS) MB, VmHWM $(mem_mb "$SQ_PID" VmHWM) MB"
SQ=http://127.0.0.1:$PORT

# ======== grant_token: THE ONE PLACE that decides which consumer system's token the benchmark
# ======== uses (unless TOKEN is set). It must print a token holding an active grant on
# ======== 101001-000001 (全员人口基础信息) for the server's database $DB, and nothing else on stdout.
# ======== Lead: adjust the system (or add the steps that create the grant) here.
grant_token() {
  local system=${GRANT_SYSTEM:-hi-rst-sbxt} # 人社厅 社保系统: the demo approved its application for 101001-000001
  local all
  all=$("$BIN" --database "$DB" demo-tokens --seed "$SEED") || return 1
  awk -F'\t' -v s="$system" '$1 == s { print $2; found = 1 } END { exit !found }' <<<"$all" ||
    { echo "grant_token: no demo system $system" >&2; return 1; }
}
# ======== end of grant_token

if [ -n "${TOKEN:-}" ]; then
  echo "token: from TOKEN"
else
  TOKEN=$(grant_token) || die "grant_token failed"
  echo "token: grant_token (${GRANT_SYSTEM:-hi-rst-sbxt})"
fi
LOOKUP_PREFIX=/api/v1/exchange/$RESOURCE/records/
AUTH="Authorization: Bearer $TOKEN"

# The ceiling must answer 200 before anything is measured.
code=$(probe "$SQ/api/v1/health")
[ "$code" = 200 ] || { cat "$W/probe.body"; die "GET /api/v1/health answered $code"; }

# Lookups: probe 20 keys first. A missing endpoint skips the target; anything else but 200 fails.
LOOKUPS=run
code=$(probe "$SQ$LOOKUP_PREFIX$(head -n 1 "$W/keys.txt")" -H "$AUTH")
if [ "$code" = 404 ] && grep -q '"no_such_endpoint"' "$W/probe.body"; then
  LOOKUPS=skipped
  echo "!! GET ${LOOKUP_PREFIX}{key} answers 404 no_such_endpoint: this build of shuqiao has no"
  echo "!! exchange endpoint yet. The shuqiao-lookups target is SKIPPED (its ratios are n/a)."
else
  n=0
  while read -r key && [ $n -lt 20 ]; do
    code=$(probe "$SQ$LOOKUP_PREFIX$key" -H "$AUTH")
    if [ "$code" != 200 ]; then
      echo "GET $LOOKUP_PREFIX$key → $code:" >&2
      head -c 2000 "$W/probe.body" >&2
      echo >&2
      case $code in
        401 | 403) die "the lookups are refused ($code): the token has no grant on $RESOURCE; set TOKEN or fix grant_token" ;;
        *) die "a lookup of a key from the CSV answered $code, not 200" ;;
      esac
    fi
    grep -q "$key" "$W/probe.body" || echo "warning: the answer for $key does not contain the key" >&2
    n=$((n + 1))
  done <"$W/keys.txt"
  echo "probe: 20 lookups answered 200 ($(wc -c <"$W/probe.body") bytes each, e.g. $(head -c 120 "$W/probe.body")…)"
fi

# ---------------------------------------------------------------- Datasette
say "Datasette on 127.0.0.1:$DS_PORT (immutable pop.db)"
port_free "$DS_PORT" || die "port $DS_PORT is in use; set DS_PORT=…"
# shellcheck disable=SC2086 # DATASETTE_ARGS is a list of options
timeout "$LIFETIME" python3 -m datasette serve -i "$W/pop.db" -h 127.0.0.1 -p "$DS_PORT" \
  $DATASETTE_ARGS >"$W/datasette.log" 2>&1 &
DS_T=$!
PIDS+=("$DS_T")
DS=http://127.0.0.1:$DS_PORT
DS_PREFIX=/pop/population/
DS_SUFFIX='.json?_shape=objects'
first=$(head -n 1 "$W/keys.txt")
if ! timeout 120 bash -c "until curl -sf -o /dev/null '$DS$DS_PREFIX$first$DS_SUFFIX'; do
      kill -0 $DS_T 2>/dev/null || exit 3; sleep 0.3; done"; then
  tail -n 20 "$W/datasette.log"
  die "Datasette did not answer within 120 s"
fi
DS_PID=$(child_of "$DS_T")
PIDS+=("$DS_PID")
probe_rows Datasette "$DS$DS_PREFIX" "$DS_SUFFIX" '"GMSFHM": "%s"'

# ---------------------------------------------------------------- unaudited lookup
say "unaudited lookup on 127.0.0.1:$REF_PORT (bare axum + SQLite, same pop.db)"
port_free "$REF_PORT" || die "port $REF_PORT is in use; set REF_PORT=…"
timeout "$LIFETIME" "$REF_BIN" "$W/pop.db" population GMSFHM "127.0.0.1:$REF_PORT" >"$W/ref.log" 2>&1 &
REF_PID=$!
PIDS+=("$REF_PID")
if ! timeout 60 bash -c "until grep -q 'listening on' '$W/ref.log'; do
      kill -0 $REF_PID 2>/dev/null || exit 3; sleep 0.2; done"; then
  tail -n 20 "$W/ref.log"
  die "the unaudited lookup did not start within 60 s"
fi
REF=http://127.0.0.1:$REF_PORT
probe_rows "the unaudited lookup" "$REF/row/" "" '"GMSFHM":"%s"'

# ---------------------------------------------------------------- rounds
TARGETS="ceiling datasette unaudited"
[ "$LOOKUPS" = run ] && TARGETS="ceiling lookups datasette unaudited"
if [ "$WARM_S" -gt 0 ]; then
  say "warm-up: $WARMUP a target at 32 connections"
  for t in $TARGETS; do
    target_args "$t"
    run_wrk warmup "$t" 32 "$WARMUP" "${ARGS[@]}"
  done
fi
for ROUND in $(seq 1 "$ROUNDS"); do
  say "round $ROUND of $ROUNDS: $TARGETS at $CONNS connections, $DURATION each"
  for c in $CONNS; do
    for t in $TARGETS; do
      target_args "$t"
      k0=$(thread_ticks "$SQ_PID")
      run_wrk run "$t" "$c" "$DURATION" "${ARGS[@]}"
      # The server's CPU by thread over its lookups runs: "c ticks×4 ticks×4 requests" a run.
      if [ "$t" = lookups ]; then
        echo "$c $k0 $(thread_ticks "$SQ_PID") $(sed -n 's/^RESULT .*requests=\([0-9]*\).*/\1/p' \
          "$W/wrk-lookups-$c-run-$ROUND.txt")" >>"$W/threads"
      fi
    done
  done
done
SQ_HWM=$(mem_mb "$SQ_PID" VmHWM)
if [ -s "$W/threads" ]; then
  awk '{ c = $1; n[c] += $10; for (i = 0; i < 4; i++) d[c, i] += $(6 + i) - $(2 + i) }
    END { for (c in n) if (n[c] > 0)
      printf "shuqiao server CPU a call by thread at %d connections (all rounds): workers %.1f µs, upkeep %.1f µs, journal syncer %.1f µs, other %.1f µs\n",
        c, d[c, 0] * 10000 / n[c], d[c, 1] * 10000 / n[c], d[c, 2] * 10000 / n[c], d[c, 3] * 10000 / n[c] }' "$W/threads" | sort -t' ' -k9n
fi
SQ_RSS=$(mem_mb "$SQ_PID" VmRSS)
echo "shuqiao server memory after the runs: VmHWM $SQ_HWM MB (peak since its start), VmRSS $SQ_RSS MB"
echo "Datasette memory after the runs: VmHWM $(mem_mb "$DS_PID" VmHWM) MB"
echo "unaudited lookup memory after the runs: VmHWM $(mem_mb "$(child_of "$REF_PID")" VmHWM 2>/dev/null || echo '?') MB"
for p in "$SQ_T" "$SQ_PID" "$DS_T" "$DS_PID" "$REF_PID"; do stop_pid "$p"; done

# ---------------------------------------------------------------- summary
median() { # numbers on stdin → their median, or nothing
  sort -g | awk '{ a[NR] = $1 } END { if (NR) printf "%.6g\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
values() { # TARGET CONNS FIELD [ROUND] → one value a round
  awk -v t="$1" -v c="$2" -v f="$3" -v r="${4:-}" '$1 == t && $2 == c && (r == "" || $3 == "round=" r) {
      for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' "$RESULTS"
}
field() { values "$@" | median; } # TARGET CONNS FIELD → median over the rounds, or empty
ratio() { # A B CONNS SCALE → median over the rounds of SCALE × A / B (each round's own pair)
  local r a b
  for r in $(seq 1 "$ROUNDS"); do
    a=$(values "$1" "$3" rps "$r")
    b=$(values "$2" "$3" rps "$r")
    [ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" -v k="$4" 'BEGIN { print k * a / b }'
  done | median
}
per_round() { # A B CONNS SCALE → the ratio of each round, for the record
  local r a b out=
  for r in $(seq 1 "$ROUNDS"); do
    a=$(values "$1" "$3" rps "$r")
    b=$(values "$2" "$3" rps "$r")
    [ -n "$a" ] && [ -n "$b" ] && out="$out $(awk -v a="$a" -v b="$b" -v k="$4" 'BEGIN { printf "%.1f", k * a / b }')"
  done
  echo "${out# }"
}
verdict() { if awk "BEGIN{exit !($1)}"; then echo "met"; else echo "NOT met"; fi; }

echo
say "summary (PERSONS=$PERSONS, $ROUNDS rounds of $DURATION, $nkeys keys, wrk -t$THREADS, keep-alive; medians over the rounds)"
printf '%-34s %5s %11s %9s %9s %9s\n' target conns req/s "p50 ms" "p99 ms" non-2xx
for t in lookups ceiling datasette unaudited; do
  case $t in
    lookups) name="shuqiao lookups (audited)" ;;
    ceiling) name="bare ceiling (GET /api/v1/health)" ;;
    datasette) name="Datasette row JSON" ;;
    unaudited) name="unaudited lookup (bare axum+SQLite)" ;;
  esac
  for c in $CONNS; do
    rps=$(field "$t" "$c" rps)
    if [ -z "$rps" ]; then
      printf '%-34s %5s %11s\n' "$name" "$c" "skipped"
      continue
    fi
    awk -v n="$name" -v c="$c" -v r="$rps" -v p50="$(field "$t" "$c" p50_us)" \
      -v p99="$(field "$t" "$c" p99_us)" -v bad="$(field "$t" "$c" non2xx)" -v req="$(field "$t" "$c" requests)" \
      'BEGIN { printf "%-34s %5d %11.1f %9.3f %9.3f %8.3f%%\n", n, c, r, p50 / 1000, p99 / 1000, (req > 0 ? 100 * bad / req : 0) }'
  done
done
echo
for c in $CONNS; do
  l=$(field lookups "$c" rps)
  d=$(field datasette "$c" rps)
  h=$(field ceiling "$c" rps)
  if [ -n "$l" ] && [ -n "$d" ]; then
    x=$(awk -v a="$(ratio lookups datasette "$c" 1)" 'BEGIN{printf "%.1f", a}')
    echo "lookups / Datasette   at $c connections: ${x}x (target >= 40x): $(verdict "$x >= 40")  [rounds: $(per_round lookups datasette "$c" 1)]"
  else
    echo "lookups / Datasette   at $c connections: n/a (lookups skipped)"
  fi
  if [ -n "$l" ] && [ -n "$h" ]; then
    x=$(awk -v a="$(ratio lookups ceiling "$c" 100)" 'BEGIN{printf "%.1f", a}')
    echo "lookups / bare ceiling at $c connections: ${x}% (target >= 25%): $(verdict "$x >= 25")  [rounds: $(per_round lookups ceiling "$c" 100)]"
  else
    echo "lookups / bare ceiling at $c connections: n/a (lookups skipped)"
  fi
done
p99=$(field lookups 32 p99_us)
if [ -n "$p99" ]; then
  x=$(awk -v a="$p99" 'BEGIN{printf "%.3f", a / 1000}')
  echo "lookups p99 at 32 connections: $x ms (target < 10 ms): $(verdict "$x < 10")  [rounds: $(values lookups 32 p99_us | awk '{printf "%s%.2f", (NR > 1 ? " " : ""), $1 / 1000}')]"
else
  echo "lookups p99 at 32 connections: n/a ($([ "$LOOKUPS" = run ] && echo "32 not in CONNS" || echo "lookups skipped"))"
fi
echo "shuqiao server peak memory: VmHWM $SQ_HWM MB, VmRSS after the runs $SQ_RSS MB (target < 200 MB): $(verdict "$SQ_HWM < 200")"
echo "  (the demo load ran in its own process before: $load_s s, peak $LOAD_MB MB)"
hd=$(field ceiling 32 rps)
dd=$(field datasette 32 rps)
ud=$(field unaudited 32 rps)
ld=$(field lookups 32 rps)
[ -n "$hd" ] && [ -n "$dd" ] &&
  echo "for reference: bare ceiling / Datasette at 32 connections: $(ratio ceiling datasette 32 1 | awk '{printf "%.1f", $1}')x"
[ -n "$ud" ] && [ -n "$dd" ] &&
  echo "for reference: unaudited lookup / Datasette at 32 connections: $(ratio unaudited datasette 32 1 | awk '{printf "%.1f", $1}')x" \
    "(with no token, grant or audit at all)"
[ -n "$ud" ] && [ -n "$ld" ] &&
  echo "for reference: audited lookups / unaudited lookup at 32 connections: $(ratio lookups unaudited 32 100 | awk '{printf "%.1f", $1}')%"
if [ "$LOOKUPS" = skipped ]; then
  echo "NOTE: shuqiao lookups were skipped: the exchange endpoint does not exist in this build (404 no_such_endpoint)."
fi
if [ -n "$FAIL" ]; then
  die "the shuqiao lookups got non-2xx answers: the lookup figures above are not valid"
fi
