#!/usr/bin/env bash
# Wall time of `migrasim run` on Flee's cases, 2 threads:
# 1. the two older cases (issue 3, target: burundi2015 under 1 s): five runs per case and variant; prints
#    each, the median and the minimum;
# 2. the six training cases of FabFlee's validation suite at hasten 1 (issue 15, item 4: the six together
#    under 60 s): one run each at the suite's settings with every population whole (hasten 1, where Flee's
#    users divide them because Flee is slow); prints the wall time, the agents made and the agent-days
#    simulated per second (the agents of every day, summed, over the wall time), and the total.
# Exits 1 when a target is missed. Needs the cases in $MIGRASIM_FLEE_DATA or ../shared/data/flee.
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

SUITE="$DATA/fabflee_validation"
if [ ! -f "$SUITE/simsetting.yml" ]; then
  echo "bench/flee_cases.sh: FabFlee validation suite not found at $SUITE; its part skipped"
  exit $status
fi
total=0
for case in burundi2015 mali2012 mali2017_adm1 nigeria2016 ssudan2016 ukraine2022; do
  "$BIN" import-flee "$SUITE/$case" -o "$tmp/$case.yaml" >/dev/null
  start=$(date +%s.%N)
  "$BIN" run "$tmp/$case.yaml" --set behaviour.flee.hasten=1 -o "$tmp/$case.h5" --threads 2 >"$tmp/$case.out"
  end=$(date +%s.%N)
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  total=$(awk -v t="$total" -v w="$wall" 'BEGIN { printf "%.2f", t + w }')
  agents=$(awk '/^agents \(spawned\)/ { print $3 }' "$tmp/$case.out")
  rate=$(sed -n 's/.*agent-days, \([0-9.]*\) M agent-days\/s.*/\1/p' "$tmp/$case.out")
  printf 'suite %-14s hasten 1: %8.2f s wall, %10s agents, %7s M agent-days/s\n' "$case" "$wall" "$agents" "$rate"
  rm -f "$tmp/$case.h5"
done
printf 'suite total: %.2f s (target: under 60 s)\n' "$total"
if awk -v t="$total" 'BEGIN { exit !(t > 60) }'; then
  echo "  over the target of 60 s"
  status=1
fi
exit $status
