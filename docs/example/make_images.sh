#!/usr/bin/env bash
# Regenerates the distribution plots in docs/images from the example dataset.
# Run from the repository root inside the project's environment:
#   python3 -m uv run bash docs/example/make_images.sh
set -euo pipefail
data=docs/example/data
images=docs/images
work=$(mktemp -d)

idc-convert from-subdir-ic -i "$data" \
  label-dist --plot "$images/example-before.png" > /dev/null

idc-convert from-subdir-ic -i "$data" \
  split-records -r 80 20 -n train val \
  label-dist --per_split --plot "$images/split-before.png" \
  label-dist --split_names train -t counts -f json -o "$work/train-counts.json" > /dev/null

idc-convert from-subdir-ic -i "$data" \
  split-records -r 80 20 -n train val \
  balance-labels-ic -m exact -C "$work/train-counts.json" --target max --split_names train -s 42 \
  label-dist --per_split --plot "$images/split-after.png" > /dev/null
echo "written: $images/example-before.png $images/split-before.png $images/split-after.png"

# object detection: images containing each class, before and after balance-labels-od
od="docs/example/od/*.json"
idc-convert from-opex-od -i "$od" \
  label-dist --unit images --plot "$images/od-before.png" \
  label-dist -t signatures -f json -o "$work/od-signatures.json" > /dev/null
idc-convert from-opex-od -i "$od" \
  balance-labels-od -S "$work/od-signatures.json" --background person --target median --max_copies 3 -s 42 \
  label-dist --unit images --plot "$images/od-after.png" > /dev/null
echo "written: $images/od-before.png $images/od-after.png"
