#!/bin/sh
# scale.sh — issue 15's query set at its scale (docs/PERFORMANCE.md, "Advanced query at
# 1,000,000 resources"). Fill the directory first (about 10 GB for 10,000,000 CIs):
#   build/bench/query/bench_query gen DIR 1000000 10
# then: bench/query/scale.sh DIR [REPS]   (from the repository root, release build in build/)
# Each line is bench_query's "mode=... p50_ms=... max_ms=... maxrss_kb=..." after the query.
set -e
D=${1:?usage: scale.sh DIR [REPS]}
N=${2:-5}
B=build/bench/query/bench_query
# the 200 partitions gen writes: 50 accounts x 4 Regions
P=$(for a in $(seq -w 1 50); do for r in us-east-1 us-west-2 eu-west-1 ap-south-1; do
    printf '1000000000%s/%s ' "$a" "$r"; done; done)
# res-0000123456 is in partition 123456 % 200 = 56: account 15, us-east-1
A=100000000015
R=us-east-1
MONTH_BACK=2026-08-02T00:00:00Z
one() { printf '%s | ' "$1"; shift; "$B" "$@" 2>/dev/null; }
one "selective: resourceId, one partition" query "$D" $A $R "$N" \
    "SELECT resourceId, resourceType, configuration.state.name WHERE resourceId = 'res-0000123456'"
one "selective: resourceId, all 200 partitions" agg "$D" "$N" \
    "SELECT resourceId, accountId WHERE resourceId = 'res-0000123456'" $P
one "selective: resourceName, all partitions" agg "$D" "$N" \
    "SELECT resourceId WHERE resourceName = 'name-123456'" $P
one "selective: type + configuration path, one partition" query "$D" $A $R "$N" \
    "SELECT resourceId WHERE resourceType = 'AWS::EC2::VPC' AND configuration.instanceType = 'm5.large'"
one "selective: type + tag, one partition (res-0000123456 is a Lambda function)" query "$D" $A $R "$N" \
    "SELECT resourceId WHERE resourceType = 'AWS::Lambda::Function' AND tags.tag = 'Name=res-0000123456'"
one "COUNT(*) WHERE accountId, all partitions" agg "$D" "$N" \
    "SELECT COUNT(*) WHERE accountId = '$A'" $P
one "GROUP BY resourceType, everything" agg "$D" "$N" \
    "SELECT resourceType, COUNT(*) GROUP BY resourceType" $P
one "GROUP BY accountId, everything" agg "$D" "$N" \
    "SELECT COUNT(*), accountId GROUP BY accountId" $P
one "GROUP BY configuration.state.name, everything" agg "$D" "$N" \
    "SELECT configuration.state.name, COUNT(*) GROUP BY configuration.state.name" $P
one "GROUP BY a path not kept (configuration.size), everything" agg "$D" "$N" \
    "SELECT configuration.size, COUNT(*) GROUP BY configuration.size ORDER BY COUNT(*) DESC" $P
one "plain SQLite json_extract GROUP BY over the current CIs" sql "$D" "$N" \
    "SELECT json_extract(c.body, '\$.configuration.state.name'), COUNT(*) FROM resources r JOIN config_items c ON c.seq = r.latest_seq WHERE r.deleted = 0 AND r.status <> 'ResourceNotRecorded' GROUP BY 1"
one "as of a month back: resourceId, one partition" query "$D" $A $R "$N" \
    "SELECT resourceId, resourceType, configuration.state.name WHERE resourceId = 'res-0000123456'" \
    $MONTH_BACK
one "as of a month back: type + configuration path, one partition" query "$D" $A $R "$N" \
    "SELECT resourceId WHERE resourceType = 'AWS::EC2::VPC' AND configuration.instanceType = 'm5.large'" \
    $MONTH_BACK
