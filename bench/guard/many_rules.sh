#!/usr/bin/env bash
# bench/guard/many_rules.sh — parser scaling: `validate` of one file of N rules, plumb vs the
# real cfn-guard 3.1.1 (issue 9 item 13: the parser used to be quadratic).
#
#   bench/guard/many_rules.sh [N...]        (default: 20000 100000)
#
# Each rule is `rule rK when %buckets !empty { %buckets.Properties.BucketName == /^b/ <<..>>
# Resources.*.Properties.Tags[*].Key != "kK" }` against a one-bucket template. Prints the wall
# time of each tool (one run each; /usr/bin/time). Env: PLUMB_GUARD (default
# build/plumb-guard), CFN_GUARD (default: fetch-cfn-guard), WORK (/tmp/guard-many).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${PL_SHARED_DIR:-$ROOT/../shared}
PLUMB=${PLUMB_GUARD:-$ROOT/build/plumb-guard}
CFN=${CFN_GUARD:-$("$SHARED/tools/guard-corpus/fetch-cfn-guard")}
WORK=${WORK:-/tmp/guard-many}
mkdir -p "$WORK"
DATA=$WORK/data.json
echo '{"Resources":{"b1":{"Type":"AWS::S3::Bucket","Properties":{"BucketName":"bx","Tags":[{"Key":"a","Value":"b"}]}}}}' > "$DATA"
[ $# -gt 0 ] || set -- 20000 100000
wall() { # wall BIN RULES -> seconds
    /usr/bin/time -f %e -o "$WORK/t" "$1" validate -r "$2" -d "$DATA" --show-summary none \
        -o json > "$WORK/out" 2>&1 || true
    cat "$WORK/t"
}
echo "host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for n in "$@"; do
    R=$WORK/rules-$n.guard
    [ -s "$R" ] || python3 - "$n" "$R" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write('let buckets = Resources.*[ Type == "AWS::S3::Bucket" ]\n')
    for i in range(n):
        f.write('rule r%d when %%buckets !empty {\n  %%buckets.Properties.BucketName == /^b/ '
                '<<bucket %d>>\n  Resources.*.Properties.Tags[*].Key != "k%d"\n}\n' % (i, i, i))
PY
    echo "N=$n ($(stat -c %s "$R") bytes): plumb $(wall "$PLUMB" "$R") s, cfn-guard $(wall "$CFN" "$R") s"
done
