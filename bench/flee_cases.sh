#!/usr/bin/env bash
# Wall time of `migrasim run --flee` on Flee's validation cases (issue 3, target 3: burundi2015 under 1 s
# on 2 threads). Five runs per case; prints each, the median and the minimum, and exits 1 when the median
# for burundi2015 is over the target. Needs the cases in $MIGRASIM_FLEE_DATA or ../shared/data/flee.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${MIGRASIM_FLEE_DATA:-$(cd .. && pwd)/shared/data/flee}
BIN=./build/release/cli/migrasim
if [ ! -f "$DATA/burundi2015/input/locations.csv" ]; then
  echo "bench/flee_cases.sh: Flee case data not found at $DATA (set MIGRASIM_FLEE_DATA; see docs/flee.md); skipped"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for case in burundi2015 mali2012; do
  "$BIN" import-flee "$DATA/$case" -o "$tmp/$case.yaml" >/dev/null
  for variant in flee improved; do
    times=()
    for i in 1 2 3 4 5; do
      start=$(date +%s.%N)
      "$BIN" run "$tmp/$case.yaml" --set "behaviour.flee.variant=$variant" -o "$tmp/$case.h5" -q --threads 2
      end=$(date +%s.%N)
      times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')")
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -g)
    median=$(echo "$sorted" | sed -n 3p)
    min=$(echo "$sorted" | sed -n 1p)
    printf '%-12s %-9s runs %s s; median %.2f s, min %.2f s\n' "$case" "$variant" \
      "$(printf '%.2f ' "${times[@]}")" "$median" "$min"
    if [ "$case" = burundi2015 ] && awk -v m="$median" 'BEGIN { exit !(m > 1.0) }'; then
      echo "  over the target of 1 s (median)"
      status=1
    fi
  done
done
exit $status
