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

# duplicates: the gallery of find-duplicates on the example data, with two files added to show a label
# conflict (a copy of cat_005.jpg filed under coffee) and a re-encoded, resized copy (rocket_003.jpg)
dups="$work/dups"
cp -r "$data" "$dups"
cp "$data/cat/cat_005.jpg" "$dups/coffee/coffee_cat_005.jpg"
python3 -c "
from PIL import Image
Image.open('$data/rocket/rocket_003.jpg').resize((64, 64)).save('$dups/rocket/rocket_003_resized.jpg', quality=60)"
idc-convert from-subdir-ic -i "$dups" \
  find-duplicates -o "$work/groups.json" --gallery "$work/gallery.html" > /dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,900 \
  --screenshot="$images/gallery.png" "file://$work/gallery.html" 2> /dev/null
echo "written: $images/gallery.png"

# training: the coverage of the cat images over epochs with BalancedSampler
python3 docs/example/coverage_plot.py "$images/training-coverage.png"
