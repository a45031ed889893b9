#!/usr/bin/env bash
# bench/guard/bench.sh — plumb's Guard engine vs the real cfn-guard 3.1.1, side by side.
#
#   bench/guard/bench.sh [REPS=3] [N=10000]
#
# Both validate the template made by gen_template.py -n N --seed 20240611 against the same 20
# registry rule files that ../shared/tools/guard-corpus/bench_cfn_guard.sh uses (read from that
# script), with -o json --show-summary none. Reports the median wall time and peak RSS of each
# (/usr/bin/time -v), the ratios, and whether the per-rule answers agree (compare.py).
# Env: PLUMB_GUARD (default build-guard/plumb-guard), CFN_GUARD (default: unpacked by
# fetch-cfn-guard), CFN_REPS (default REPS), WORK (default /tmp/guard-bench).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${PL_SHARED_DIR:-$ROOT/../shared}
TOOLS=$SHARED/tools/guard-corpus
REPS=${1:-3}
N=${2:-10000}
CFN_REPS=${CFN_REPS:-$REPS}
PLUMB=${PLUMB_GUARD:-$ROOT/build-guard/plumb-guard}
CFN=${CFN_GUARD:-$("$TOOLS/fetch-cfn-guard")}
WORK=${WORK:-/tmp/guard-bench}
mkdir -p "$WORK"
R="$SHARED/data/guard/aws-guard-rules-registry/rules/aws"
mapfile -t RULES < <(sed -n '/^RULES=(/,/^)/p' "$TOOLS/bench_cfn_guard.sh" | grep -v '[()]' |
                     awk '{print $1}')
ARGS=()
for r in "${RULES[@]}"; do ARGS+=(-r "$R/$r.guard"); done
DATA="$WORK/big-template-$N.json"
[ -s "$DATA" ] || python3 "$TOOLS/gen_template.py" -n "$N" --seed 20240611 -o "$DATA"

measure() { # measure NAME REPS BIN -> prints "median_wall median_rss"
    local name=$1 reps=$2 bin=$3 walls=() rss=()
    for i in $(seq 1 "$reps"); do
        set +e
        /usr/bin/time -v -o "$WORK/time.$name" "$bin" validate "${ARGS[@]}" -d "$DATA" \
            -o json --show-summary none > "$WORK/out.$name.json" 2> "$WORK/err.$name"
        rc=$?
        set -e
        w=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$WORK/time.$name" |
            awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
        m=$(awk -F': ' '/Maximum resident set size/{print $2}' "$WORK/time.$name")
        walls+=("$w"); rss+=("$m")
        echo "  $name run $i: wall ${w}s maxRSS ${m} KiB rc=$rc" >&2
    done
    local mw mr
    mw=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    mr=$(printf '%s\n' "${rss[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    echo "$mw $mr"
}

echo "host:   $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "data:   $DATA ($(stat -c %s "$DATA") bytes), ${#RULES[@]} rule files"
echo "plumb:  $PLUMB"
echo "cfn:    $CFN ($("$CFN" --version))"
read -r pw pr < <(measure plumb "$REPS" "$PLUMB")
read -r cw cr < <(measure cfn "$CFN_REPS" "$CFN")
echo "plumb guard: median wall ${pw}s, peak RSS ${pr} KiB"
echo "cfn-guard:   median wall ${cw}s, peak RSS ${cr} KiB"
awk -v pw="$pw" -v cw="$cw" -v pr="$pr" -v cr="$cr" 'BEGIN {
    printf "speed-up: %.1fx faster; memory: %.1f%% of cfn-guard (1/%.1f)\n",
           cw / pw, 100 * pr / cr, cr / pr }'
python3 "$HERE/compare.py" "$WORK/out.cfn.json" "$WORK/out.plumb.json"
