#!/usr/bin/env bash
# Soak: mixed load (scripts/soak/mixed.lua: audited lookups, batch lookups, 核验, queries,
# catalogue and CKAN searches, the log's head) at a share of the capacity measured first, with a
# steward pushing a small batch every second beside it, for a bounded time. Reports per segment
# (a minute by default) the rate, p50, p99 and errors, the server's memory (VmRSS from
# /proc/PID/status every 5 s) and its slope in KiB/min, split into SQLite's part (its page caches,
# from GET /api/v1/admin/memory) and the rest, and fails on any error.
#
#   bash scripts/soak.sh                                   # 10 minutes, 80% of capacity, 1,000,000 persons
#   SOAK_DURATION=45 SEGMENT=15 PERSONS=20000 bash scripts/soak.sh    # the bounded CI run
#   DB=/path/shuqiao.db PERSONS=1000000 bash scripts/soak.sh          # reuse a loaded demo database
#
# Environment: SOAK_DURATION (seconds, 600), SEGMENT (seconds a measurement covers, 60),
# RATE (requests a second; default RATE_SHARE of the measured capacity), RATE_SHARE (0.8),
# CAPACITY_SECONDS (20), CAPACITY_CONNS (32), PERSONS (1000000), SEED (460000), DB (a database
# already holding the demo; default: a new one in a temporary directory), PUSH_EVERY (seconds
# between pushed batches, 1; 0 = none), MAX_RSS_SLOPE (KiB/min above which the run fails; unset =
# reported only), SHUQIAO_BIN (default: the release build), START_TIMEOUT (900 s), KEEP=1 keeps
# the temporary directory. Needs wrk (apt-get install wrk) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${SOAK_DURATION:-600}
SEGMENT=${SEGMENT:-60}
RATE=${RATE:-}
RATE_SHARE=${RATE_SHARE:-0.8}
CAPACITY_SECONDS=${CAPACITY_SECONDS:-20}
CAPACITY_CONNS=${CAPACITY_CONNS:-32}
PERSONS=${PERSONS:-1000000}
SEED=${SEED:-460000}
PUSH_EVERY=${PUSH_EVERY:-1}
START_TIMEOUT=${START_TIMEOUT:-900}
BIN=${SHUQIAO_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/shuqiao}
LUA=$ROOT/scripts/soak/mixed.lua

die() { echo "soak: ERROR: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[ -x "$BIN" ] || die "no shuqiao binary at $BIN (cargo build --release -p shuqiao, or set SHUQIAO_BIN)"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 5 ]] || die "SOAK_DURATION must be whole seconds >= 5"
[[ $SEGMENT =~ ^[0-9]+$ && $SEGMENT -ge 5 ]] || die "SEGMENT must be whole seconds >= 5"

W=$(mktemp -d "${TMPDIR:-/tmp}/shuqiao-soak.XXXXXX")
SERVER=
PUSHER=
SAMPLER=
cleanup() {
  for p in $PUSHER $SAMPLER $SERVER; do kill "$p" 2>/dev/null || true; done
  for p in $PUSHER $SAMPLER $SERVER; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "soak: kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

DB=${DB:-$W/shuqiao.db}
if [ ! -e "$DB" ]; then
  echo "== loading the demo with $PERSONS persons"
  t0=$(date +%s)
  timeout "$START_TIMEOUT" "$BIN" --database "$DB" demo --seed "$SEED" --persons "$PERSONS" >"$W/demo.log" 2>&1 ||
    { tail -n 20 "$W/demo.log"; die "shuqiao demo failed"; }
  echo "   loaded in $(($(date +%s) - t0)) s"
fi
"$BIN" demo-files --seed "$SEED" --persons "$PERSONS" --out "$W/files" >"$W/demo-files.log" 2>&1 ||
  { cat "$W/demo-files.log"; die "demo-files failed"; }
tail -n +2 "$W/files/population.csv" | cut -d, -f1 | tr -d '\r' | shuf -n 10000 --random-source=<(yes) >"$W/keys.txt"
TOKEN=$("$BIN" --database "$DB" demo-tokens --seed "$SEED" | awk '$1=="hi-rst-sbxt"{print $2}')
[ -n "$TOKEN" ] || die "no demo token for hi-rst-sbxt"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
# The grant's rate limit is not what is measured: set far above what one machine sends.
"$BIN" --database "$DB" serve --demo --seed "$SEED" --persons "$PERSONS" --exchange-rate 10000000 --count-sqlite-memory \
  --listen "127.0.0.1:$PORT" >"$W/server.log" 2>&1 &
SERVER=$!
timeout "$START_TIMEOUT" bash -c "until curl -fs '$BASE/api/v1/ready' >/dev/null; do
    kill -0 $SERVER 2>/dev/null || exit 3; sleep 0.5; done" || { tail -n 20 "$W/server.log"; die "the server did not start"; }

# Every kind of request in the mix answers 2xx before any load: a mix of refusals measures nothing.
KEY=$(head -n 1 "$W/keys.txt")
probe() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
AUTH=(-H "Authorization: Bearer $TOKEN")
for url in "$BASE/api/v1/exchange/101001-000001/records/$KEY" "$BASE/api/v1/exchange/101001-000001/query?XB=1&limit=5" \
  "$BASE/api/v1/catalog/resources?q=population" "$BASE/api/v1/audit/checkpoint" \
  "$BASE/api/3/action/package_search?rows=5&q=population"; do
  code=$(probe "${AUTH[@]}" "$url")
  [[ $code == 2* ]] || die "probe answered $code: $url"
done
for body in "{\"keys\":[\"$KEY\"]}" "{\"key\":\"$KEY\",\"claims\":{\"XM\":\"王海燕\"}}"; do
  path=records; [[ $body == *claims* ]] && path=verify
  code=$(probe -XPOST -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    "$BASE/api/v1/exchange/101001-000001/$path" -d "$body")
  [[ $code == 2* ]] || die "probe of $path answered $code"
done

# wrk_run SECONDS CONNS DELAY_MS: one RESULT line (see mixed.lua).
wrk_run() {
  wrk -t2 -c"$2" -d"$1"s --latency --timeout 10s -s "$LUA" "$BASE" -- "$W/keys.txt" "$TOKEN" "$3" \
    | grep '^RESULT' || die "wrk gave no result"
}
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
errors_of() {
  local r=$1
  echo $(($(field non2xx "$r") + $(field connect_err "$r") + $(field read_err "$r") + $(field write_err "$r") + $(field timeout_err "$r")))
}

echo "== capacity: unpaced, $CAPACITY_CONNS connections, ${CAPACITY_SECONDS} s (after 5 s of warm-up)"
wrk_run 5 "$CAPACITY_CONNS" 0 >/dev/null
cap=$(wrk_run "$CAPACITY_SECONDS" "$CAPACITY_CONNS" 0)
CAPACITY=$(field rps "$cap")
cap_err=$(errors_of "$cap")
echo "   $CAPACITY requests/s, p99 $(field p99_us "$cap") µs, errors $cap_err"
RATE=${RATE:-$(python3 -c "print(round($CAPACITY * $RATE_SHARE))")}
# Connections paced at about one request each 20 ms; the pace is corrected after each segment
# from the rate reached.
CONNS=$(python3 -c "print(max(4, round($RATE * 0.02)))")
DELAY=$(python3 -c "print(max(0.0, $CONNS * 1000 / $RATE - 1.0))")
echo "== soak: ${DURATION} s at $RATE requests/s (${RATE_SHARE} of capacity unless RATE was set), $CONNS connections"

# A steward's pushed batch every PUSH_EVERY seconds beside the load: writes hold the log's
# sequencer and the database's writer as they do in service.
if [ "$PUSH_EVERY" != 0 ]; then
  python3 - "$BASE" "$W/keys.txt" "$PUSH_EVERY" "$W/pushes.txt" "$W/stop-pushing" <<'PY' &
import http.client, json, os, sys, time
base, keys_file, every, out, stop = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
host, port = base.split("//")[1].split(":")
keys = [k.strip() for k in open(keys_file) if k.strip()]
def call(method, path, body, auth=None):
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    h = {"Content-Type": "application/json"}
    if auth:
        h["Authorization"] = "Bearer " + auth
    c.request(method, path, json.dumps(body), h)
    r = c.getresponse()
    return r.status, json.loads(r.read() or b"null")
_, s = call("POST", "/api/v1/auth/login", {"username": "steward.gat", "password": "Hainan-steward-2026"})
session = s["session"]
ok = bad = n = 0
while not os.path.exists(stop):
    rows = [{"GMSFHM": keys[(n * 10 + i) % len(keys)], "HJDZ": f"浸泡试验地址{n}"} for i in range(10)]
    try:
        st, _ = call("POST", "/api/v1/collect/resources/101001-000001/batches", {"upserts": rows}, session)
        ok, bad = (ok + 1, bad) if st in (200, 201) else (ok, bad + 1)
    except OSError:
        bad += 1
    n += 1
    with open(out, "w") as f:
        f.write(f"{ok} {bad}\n")
    time.sleep(every)
PY
  PUSHER=$!
fi
# Memory every 5 s: the resident set, and what SQLite's allocations (its page caches, bounded by
# each connection's cache_size) hold of it, from the operator's memory report.
ADMIN_SESSION=$(curl -s -H 'content-type: application/json' "$BASE/api/v1/auth/login" \
  -d '{"username": "admin", "password": "Hainan-admin-2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"])')
sqlite_kib() {
  curl -s -H "Authorization: Bearer $ADMIN_SESSION" "$BASE/api/v1/admin/memory" |
    python3 -c 'import json,sys; print((json.load(sys.stdin).get("sqlite_bytes") or 0) // 1024)' 2>/dev/null || echo 0
}
sample_memory() {
  echo "$(date +%s.%N) $(awk '/^VmRSS/{print $2}' "/proc/$SERVER/status") $(sqlite_kib)" >>"$W/rss.txt"
}
(while kill -0 "$SERVER" 2>/dev/null; do sample_memory; sleep 5; done) &
SAMPLER=$!

left=$DURATION
n=0
: >"$W/segments.txt"
printf '%-8s %10s %9s %9s %9s %7s %10s %11s\n' segment "req/s" "p50 ms" "p99 ms" "max ms" errors "RSS MiB" "SQLite MiB"
while [ "$left" -gt 0 ]; do
  n=$((n + 1))
  seg=$((left < SEGMENT ? left : SEGMENT))
  r=$(wrk_run "$seg" "$CONNS" "$DELAY")
  left=$((left - seg))
  rps=$(field rps "$r")
  rss=$(awk '/^VmRSS/{printf "%.1f", $2/1024}' "/proc/$SERVER/status")
  sq=$(python3 -c "print(f'{$(sqlite_kib) / 1024:.1f}')")
  echo "$n $seg $rps $(field p50_us "$r") $(field p99_us "$r") $(field max_us "$r") $(errors_of "$r") $rss" >>"$W/segments.txt"
  printf '%-8s %10s %9.2f %9.2f %9.2f %7s %10s %11s\n' "$n" "$rps" "$(field p50_us "$r")e-3" "$(field p99_us "$r")e-3" \
    "$(field max_us "$r")e-3" "$(errors_of "$r")" "$rss" "$sq"
  # Correct the pace: the latency per request is what the interval reached shows beyond the pace.
  DELAY=$(python3 -c "
interval = $CONNS * 1000 / max($rps, 1.0)
latency = max(0.0, interval - $DELAY)
print(max(0.0, $CONNS * 1000 / $RATE - latency))")
done
touch "$W/stop-pushing"
[ -z "$PUSHER" ] || { wait "$PUSHER" 2>/dev/null || true; PUSHER=; }
kill -0 "$SERVER" 2>/dev/null || die "the server died during the soak"
sample_memory

python3 - "$W" "$CAPACITY" "$RATE" "$DURATION" "${MAX_RSS_SLOPE:-}" "$SEGMENT" <<'PY'
import json, os, sys
w, capacity, rate, duration, max_slope, segment = sys.argv[1:7]
segs = [l.split() for l in open(os.path.join(w, "segments.txt"))]
samples = [tuple(map(float, l.split())) for l in open(os.path.join(w, "rss.txt")) if len(l.split()) == 3]
rss = [(t, r) for t, r, _ in samples]
sqlite = [(t, q) for t, _, q in samples]
# What is not SQLite's: the rest of the heap, stacks, the binary.
other = [(t, r - q) for t, r, q in samples]
pushes = open(os.path.join(w, "pushes.txt")).read().split() if os.path.exists(os.path.join(w, "pushes.txt")) else ["0", "0"]
def slope(points):
    """Least-squares slope of (seconds, KiB) in KiB per minute."""
    if len(points) < 3:
        return float("nan")
    t0 = points[0][0]
    xs = [(t - t0) / 60 for t, _ in points]
    ys = [k for _, k in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else float("nan")
# The first segment holds the warm-up (caches filling, the pool growing): the slope that says
# whether memory is flat is taken after it, and over the whole run beside it.
def settled(points):
    return [p for p in points if p[0] >= points[0][0] + int(segment)]
p99s = [float(s[4]) / 1000 for s in segs]
requests = sum(float(s[2]) * float(s[1]) for s in segs)
errors = sum(int(s[6]) for s in segs) + int(pushes[1])
summary = {
    "duration_s": int(duration), "capacity_rps": float(capacity), "rate_target_rps": float(rate),
    "rate_reached_rps": round(requests / int(duration), 1), "requests": int(requests),
    "pushed_batches": int(pushes[0]), "errors": errors,
    "p99_ms_per_segment": [round(p, 2) for p in p99s],
    "p99_ms_max_over_min": round(max(p99s) / min(p99s), 2) if p99s and min(p99s) > 0 else None,
    "rss_mib_first_last": [round(rss[0][1] / 1024, 1), round(rss[-1][1] / 1024, 1)],
    "rss_slope_kib_per_min": round(slope(settled(rss)), 1),
    "rss_slope_kib_per_min_whole_run": round(slope(rss), 1),
    "sqlite_mib_first_last": [round(sqlite[0][1] / 1024, 1), round(sqlite[-1][1] / 1024, 1)],
    "sqlite_slope_kib_per_min": round(slope(settled(sqlite)), 1),
    "other_mib_first_last": [round(other[0][1] / 1024, 1), round(other[-1][1] / 1024, 1)],
    "other_slope_kib_per_min": round(slope(settled(other)), 1),
}
print("soak: " + json.dumps(summary))
bad = errors > 0
if max_slope and summary["rss_slope_kib_per_min"] > float(max_slope):
    print(f"soak: memory grows {summary['rss_slope_kib_per_min']} KiB/min, over {max_slope}")
    bad = True
sys.exit(1 if bad else 0)
PY
