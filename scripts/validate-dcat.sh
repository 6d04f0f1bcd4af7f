#!/usr/bin/env bash
# Validates the open-data portal's DCAT-AP 3.0.0 documents against
# tests/dcat/dcat-ap-3.0.0-shapes.ttl with pyshacl.
#
#   scripts/validate-dcat.sh [--count] FILE_OR_URL...
#
# An input is a file or an http(s) address (fetched with curl); `.jsonld`/`.json` (or a JSON-LD
# content type) is read as JSON-LD, anything else as Turtle. One summary line per input; exits
# non-zero when any input does not conform or cannot be read. With --count, each summary line
# also gives the document's number of triples, so a Turtle and a JSON-LD rendering of the same
# catalogue can be compared.
#
# Pinned: pyshacl 0.40.1 with rdflib 7.6.0 (JSON-LD parser built in); installed when missing.
set -euo pipefail

PINS=('pyshacl==0.40.1' 'rdflib==7.6.0')
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHAPES="$ROOT/tests/dcat/dcat-ap-3.0.0-shapes.ttl"

count=0
if [[ "${1:-}" == "--count" ]]; then
  count=1
  shift
fi
if [[ $# -eq 0 ]]; then
  echo "usage: $0 [--count] FILE_OR_URL..." >&2
  exit 2
fi

if ! python3 -c 'import pyshacl, rdflib' >/dev/null 2>&1; then
  python3 -m pip install -q "${PINS[@]}" >/dev/null 2>&1 \
    || python3 -m pip install -q --break-system-packages "${PINS[@]}" >/dev/null 2>&1 \
    || { echo "pyshacl missing and could not be installed (${PINS[*]})" >&2; exit 3; }
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failed=0
n=0
for input in "$@"; do
  n=$((n + 1))
  file="$input"
  format=turtle
  case "$input" in
    *.jsonld | *.json) format=json-ld ;;
  esac
  if [[ "$input" =~ ^https?:// ]]; then
    file="$work/input-$n"
    if ! ctype="$(curl -fsSL -o "$file" -w '%{content_type}' "$input")"; then
      echo "FAIL $input: could not fetch"
      failed=1
      continue
    fi
    case "$ctype" in
      *json*) format=json-ld ;;
    esac
  fi
  if [[ ! -r "$file" ]]; then
    echo "FAIL $input: cannot read"
    failed=1
    continue
  fi
  report="$work/report-$n.txt"
  # pyshacl exits 0 when the data conforms, 1 when it does not and 2 or more on an error.
  set +e
  python3 -m pyshacl -s "$SHAPES" -i rdfs -f human -df "$format" -sf turtle "$file" >"$report" 2>&1
  rc=$?
  set -e
  triples=""
  if [[ $count -eq 1 ]]; then
    triples=" ($(python3 -c 'import sys, rdflib; g = rdflib.Graph(); g.parse(sys.argv[1], format=sys.argv[2]); print(len(g))' "$file" "$format") triples)"
  fi
  if [[ $rc -eq 0 ]]; then
    echo "OK   $input: conforms to DCAT-AP 3.0.0${triples}"
  else
    failed=1
    violations="$(sed -n 's/^Results (\([0-9]*\)).*/\1/p' "$report" | head -n1)"
    if [[ $rc -eq 1 ]]; then
      echo "FAIL $input: ${violations} violation(s)${triples}"
    else
      echo "FAIL $input: pyshacl could not validate (exit $rc)"
    fi
    sed 's/^/    /' "$report" >&2
  fi
done
exit "$failed"
