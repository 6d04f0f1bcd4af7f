#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test (SQLite always; PostgreSQL too when
# SHUQIAO_TEST_PG_URL names a server, e.g. postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
if [ -z "${SHUQIAO_TEST_PG_URL:-}" ]; then
  echo "NOTE: SHUQIAO_TEST_PG_URL is not set: the PostgreSQL half of the conformance suite will be skipped."
fi
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --all-features --no-fail-fast
else
  cargo test --workspace --all-features
fi
# Hostile input at scale (schemathesis against a throwaway demo server): under CI, or when
# SHUQIAO_HOSTILE=1.
if [ "${SHUQIAO_HOSTILE:-}" = 1 ] || [ -n "${CI:-}" ]; then
  bash scripts/hostile-input.sh
else
  echo "NOTE: SHUQIAO_HOSTILE is not set: scripts/hostile-input.sh (schemathesis) was skipped."
fi
# Crashes and a short soak (bounded: about three minutes together): under CI, or when
# SHUQIAO_CRASH=1. kill -9 under load, 5 trials on SQLite and 3 on PostgreSQL when
# SHUQIAO_TEST_PG_URL names a server (scripts/kill-trials.sh; KILL_TRIALS=50 KILL_TRIALS_PG=20 for
# the full run), then 45 s of mixed load on the small demo (scripts/soak.sh; the ten-minute run on
# the 1,000,000-person demo is in BENCHMARKS.md).
if [ "${SHUQIAO_CRASH:-}" = 1 ] || [ -n "${CI:-}" ]; then
  cargo build --quiet -p shuqiao
  BIN="$(realpath "${CARGO_TARGET_DIR:-target}")/debug/shuqiao"
  SHUQIAO_BIN=$BIN KILL_TRIALS="${KILL_TRIALS:-5}" KILL_TRIALS_PG="${KILL_TRIALS_PG:-3}" \
    KILL_PERSONS="${KILL_PERSONS:-5000}" bash scripts/kill-trials.sh
  SHUQIAO_BIN=$BIN SOAK_DURATION="${SOAK_DURATION:-45}" SEGMENT=15 CAPACITY_SECONDS=5 \
    PERSONS="${SOAK_PERSONS:-20000}" bash scripts/soak.sh
else
  echo "NOTE: SHUQIAO_CRASH is not set: scripts/kill-trials.sh and scripts/soak.sh were skipped."
fi
