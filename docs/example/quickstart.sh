#!/usr/bin/env bash
# Balances the shipped example dataset in two idc-convert passes and prints the label
# counts before and after. Run from the repository root inside the project's environment:
#   python3 -m uv run bash docs/example/quickstart.sh
set -euo pipefail
data=docs/example/data
out=${1:-$(mktemp -d)}
mkdir -p "$out"

# Scan idc's plugins once into the framework's plugin cache, and let every pass use it
# (IDC_CLASS_CACHE=on). The first time, this notes in one line each the two modules of
# idc's PFM depth plugins, which need pypfm (not installed, see the README's Install).
idc-balance-plugin-cache > /dev/null
export IDC_CLASS_CACHE=on

echo "== pass 1: count labels and write the counts and the correction =="
echo "-- before --"
idc-convert \
  from-subdir-ic -i "$data" \
  label-dist \
  label-dist -t counts -f json -o "$out/counts.json" \
  label-dist -t label-balance-correction -f json -o "$out/correction.json"
echo "-- correction written to $out/correction.json --"
cat "$out/correction.json"

echo "== pass 2: balance with seed 42 and write the result to $out/balanced =="
echo "-- after --"
idc-convert \
  from-subdir-ic -i "$data" \
  balance-labels-ic -c "$out/correction.json" -s 42 \
  label-dist \
  to-subdir-ic -o "$out/balanced"

echo "== or exactly: the same count for every label, the rarest label's (exact mode), to $out/exact =="
echo "-- exact --"
idc-convert \
  from-subdir-ic -i "$data" \
  balance-labels-ic -m exact -C "$out/counts.json" -s 42 \
  label-dist \
  to-subdir-ic -o "$out/exact"
