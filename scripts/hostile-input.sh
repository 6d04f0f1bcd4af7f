#!/usr/bin/env bash
# Hostile input at scale: schemathesis (positive and negative cases) against a throwaway demo
# platform, as four callers — the platform admin, a steward, a consumer system (with its
# per-resource document too) and anonymous. Checks: no 5xx, and every error is
# application/problem+json with a stable `code` (scripts/hostile_input_checks.py). Each caller
# runs once with generated path parameters and, except anonymous, once with them pinned to
# the demo's own resource and ids.
# Prints, per caller, the operations and cases run and the failures; exits non-zero on any.
#
#   SHUQIAO_BIN            a built `shuqiao` to use (default: builds the debug binary)
#   HOSTILE_MAX_EXAMPLES   cases per operation and generation method (default 8)
#   HOSTILE_SEED           hypothesis seed (default 20261207)
#   HOSTILE_TIME_LIMIT     seconds per run before it counts as failed (default 90)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MAX_EXAMPLES="${HOSTILE_MAX_EXAMPLES:-8}"
SEED="${HOSTILE_SEED:-20261207}"
TIME_LIMIT="${HOSTILE_TIME_LIMIT:-90}"

if ! command -v schemathesis >/dev/null 2>&1; then
  echo "hostile-input: schemathesis is not installed (pip install 'schemathesis==3.39.16' 'hypothesis==6.131.0')" >&2
  exit 2
fi
if [ -z "${SHUQIAO_BIN:-}" ]; then
  cargo build --quiet -p shuqiao
  SHUQIAO_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/shuqiao"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/shuqiao-hostile.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
(cd "$WORK" && exec "$SHUQIAO_BIN" serve --demo --database "$WORK/shuqiao.db" --listen "127.0.0.1:$PORT" \
  --persons 300 --companies 100 >"$WORK/server.log" 2>&1) &
SERVER_PID=$!
for _ in $(seq 1 300); do
  if curl -fs "$BASE/api/v1/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/server.log" >&2; echo "hostile-input: the server did not start" >&2; exit 2; fi
  sleep 0.2
done
curl -fs "$BASE/api/v1/ready" >/dev/null

login() {
  curl -fs -XPOST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"])'
}
ADMIN=$(login admin Hainan-admin-2026)
STEWARD=$(login steward.gat Hainan-steward-2026)
CONSUMER=$("$SHUQIAO_BIN" demo-tokens --database "$WORK/shuqiao.db" | awk '$1=="hi-rst-sbxt"{print $2}')
[ -n "$ADMIN" ] && [ -n "$STEWARD" ] && [ -n "$CONSUMER" ]

export PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}"
export SCHEMATHESIS_HOOKS=hostile_input_checks

# Path parameters pinned to the demo's own resource, record and ids, so that cases reach
# the validation of bodies and queries behind the lookups. (schemathesis 3 applies --set-path
# only with one worker: every run uses one.)
PINNED=(--set-path code=101001-000001 --set-path resource=101001-000001 --set-path key=460106199003071235
  --set-path year=2026 --set-path id=1 --set-path version=1 --set-path index=3)

# run NAME SCHEMA_URL TOKEN [schemathesis options…]
run() {
  local name=$1 schema=$2 token=$3 rc=0
  shift 3
  local auth=()
  [ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
  echo "== $name: $schema"
  # Logging out would end the caller's own session half-way through.
  HOSTILE_FIGURES="$WORK/$name.figures.json" timeout --kill-after=10 "$TIME_LIMIT" \
    schemathesis run "$schema" "${auth[@]}" \
    --data-generation-method all \
    --checks not_a_server_error --checks problem_json_errors \
    --exclude-path /api/v1/auth/logout \
    --hypothesis-max-examples "$MAX_EXAMPLES" --hypothesis-seed "$SEED" \
    --hypothesis-database none --hypothesis-suppress-health-check all \
    --hypothesis-phases explicit,generate \
    --workers 1 --request-timeout 20000 --code-sample-style curl --no-color \
    --junit-xml "$WORK/$name.xml" "$@" >"$WORK/$name.log" 2>&1 || rc=$?
  echo "$rc" >"$WORK/$name.rc"
  if [ "$rc" != 0 ]; then
    sed -n '/^=* \(FAILURES\|ERRORS\) =*$/,/^=* SUMMARY =*$/p' "$WORK/$name.log" | grep -v '^$' | head -200
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then echo "$name: over the time limit of ${TIME_LIMIT}s"; fi
  fi
}

# Those who may change most go last: the admin may revoke the consumer's token or disable the
# steward's account on the way.
run consumer-resource "$BASE/api/v1/exchange/101001-000001/openapi.json" "$CONSUMER"
run consumer "$BASE/api/v1/openapi.json" "$CONSUMER"
run consumer-pinned "$BASE/api/v1/openapi.json" "$CONSUMER" "${PINNED[@]}"
run anonymous "$BASE/api/v1/openapi.json" ""
run steward "$BASE/api/v1/openapi.json" "$STEWARD"
run steward-pinned "$BASE/api/v1/openapi.json" "$STEWARD" "${PINNED[@]}"
run admin "$BASE/api/v1/openapi.json" "$ADMIN"
run admin-pinned "$BASE/api/v1/openapi.json" "$ADMIN" "${PINNED[@]}"

if grep -a -q -E "panicked|ERROR" "$WORK/server.log"; then
  echo "== the server's log reports:"
  grep -a -E -B2 -A5 "panicked|ERROR" "$WORK/server.log" | head -60
  echo 1 >"$WORK/server.rc"
fi

python3 - "$WORK" <<'PY'
import json, os, sys
import xml.etree.ElementTree as ET
work = sys.argv[1]
bad = False
print(f"{'caller':<18} {'operations':>10} {'cases':>7} {'failures':>8}   responses")
for name in ["consumer-resource", "consumer", "consumer-pinned", "anonymous", "steward",
             "steward-pinned", "admin", "admin-pinned"]:
    rc = open(os.path.join(work, f"{name}.rc")).read().strip()
    try:
        figures = json.load(open(os.path.join(work, f"{name}.figures.json")))
    except (OSError, ValueError):
        figures = {"cases": {}, "statuses": {}}
    failures = 0
    try:
        for case in ET.parse(os.path.join(work, f"{name}.xml")).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failures += 1
    except (OSError, ET.ParseError):
        pass
    if rc != "0":
        bad = True
        failures = max(failures, 1)
    cases = figures["cases"]
    statuses = " ".join(f"{k}:{v}" for k, v in sorted(figures["statuses"].items()))
    print(f"{name:<18} {len(cases):>10} {sum(cases.values()):>7} {failures:>8}   {statuses}")
if os.path.exists(os.path.join(work, "server.rc")):
    print("the server logged a panic or an error")
    bad = True
sys.exit(1 if bad else 0)
PY
