#!/usr/bin/env bash
# make html-check: write the litmus catalog's HTML pages (litmus --html) and open every page
# in headless chromium, saving a screenshot per page in DIR/shots/.  Fails when a page does
# not render (no screenshot, or an empty one) or a graph is missing.
#
#   scripts/html-check.sh LITMUS_BINARY DIR
set -eu
litmus=${1:?usage: html-check.sh LITMUS_BINARY DIR}
dir=${2:?usage: html-check.sh LITMUS_BINARY DIR}
rm -rf "$dir"
mkdir -p "$dir/shots"
"$litmus" --model-only --summary --html "$dir" --catalog > "$dir/summary.txt"
pages=0 bad=0
for page in "$dir"/*.html; do
  name=$(basename "$page" .html)
  shot="$dir/shots/$name.png"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --hide-scrollbars --screenshot="$shot" --window-size=1200,1600 "file://$(realpath "$page")" \
    > /dev/null 2>&1 || true
  size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
  if [ "$size" -lt 20000 ]; then
    echo "html-check: $page did not render (screenshot $size bytes)" >&2
    bad=$((bad + 1))
  fi
  if [ "$name" != index ] && ! grep -q '\.svg"' "$page"; then
    echo "html-check: $page has no graph" >&2
    bad=$((bad + 1))
  fi
  pages=$((pages + 1))
done
echo "html-check: $pages pages in $dir, screenshots in $dir/shots, $bad problems"
[ "$bad" -eq 0 ]
