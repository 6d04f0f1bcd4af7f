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
