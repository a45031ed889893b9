#!/bin/sh
# cli_test.sh PLUMB_GUARD DATA_DIR — exit codes and basic output of `plumb guard` (cfn-guard's:
# 0 pass, 19 validate fail, 7 test fail, 5 rules parse error, 255 other errors).
set -u
G=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
expect() { # expect RC DESCRIPTION CMD...
    want=$1; what=$2; shift 2
    "$@" > "$T/out" 2> "$T/err"
    rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL $what: exit $rc, want $want"; cat "$T/out" "$T/err"; fail=1
    else
        echo "ok   $what"
    fi
}
cat > "$T/r.guard" <<'R'
let buckets = Resources.*[ Type == 'AWS::S3::Bucket' ]
rule versioned when %buckets !empty {
  %buckets.Properties.VersioningConfiguration.Status == 'Enabled' <<enable versioning>>
}
R
printf '{"Resources":{"b":{"Type":"AWS::S3::Bucket","Properties":{}}}}' > "$T/bad.json"
printf 'Resources:\n  b:\n    Type: AWS::S3::Bucket\n    Properties:\n      VersioningConfiguration: {Status: Enabled}\n' > "$T/good.yaml"
mkdir "$T/dir" && cp "$T/good.yaml" "$T/dir/a.yaml" && cp "$T/bad.json" "$T/dir/b.json"
cat > "$T/r_tests.yaml" <<'R'
- name: good
  input:
    Resources:
      b: {Type: AWS::S3::Bucket, Properties: {VersioningConfiguration: {Status: Enabled}}}
  expectations:
    rules:
      versioned: PASS
- name: empty
  input: {}
  expectations:
    rules:
      versioned: SKIP
R
sed 's/SKIP/FAIL/' "$T/r_tests.yaml" > "$T/r_bad_tests.yaml"
echo 'rule x { A == }' > "$T/broken.guard"

expect 0 "validate pass" "$G" validate -r "$T/r.guard" -d "$T/good.yaml"
expect 19 "validate fail" "$G" validate -r "$T/r.guard" -d "$T/bad.json"
grep -q "versioned    FAIL" "$T/out" || { echo "FAIL summary line missing"; fail=1; }
expect 19 "validate directory" "$G" validate -r "$T/r.guard" -d "$T/dir"
expect 19 "validate json" "$G" validate -r "$T/r.guard" -d "$T/bad.json" -o json -S none
python3 -c "import json,sys; d=json.load(open('$T/out')); assert d['status']=='FAIL'" ||
    { echo "FAIL json output"; fail=1; }
expect 0 "validate yaml, all" "$G" validate -r "$T/r.guard" -d "$T/good.yaml" -o yaml -S all
grep -q "^status: PASS" "$T/out" || { echo "FAIL yaml output"; fail=1; }
expect 5 "rules parse error" "$G" validate -r "$T/broken.guard" -d "$T/good.yaml"
grep -q "line 1:" "$T/err" || { echo "FAIL parse error position"; fail=1; }
expect 255 "missing data file" "$G" validate -r "$T/r.guard" -d "$T/nope.json"
expect 0 "test pass" "$G" test -r "$T/r.guard" -t "$T/r_tests.yaml"
expect 7 "test fail" "$G" test -r "$T/r.guard" -t "$T/r_bad_tests.yaml"
expect 0 "test json" "$G" test -r "$T/r.guard" -t "$T/r_tests.yaml" -o json
expect 0 "eval" "$G" eval "$T/r.guard" "$T/good.yaml"
grep -q '"versioned": "PASS"' "$T/out" || { echo "FAIL eval output"; fail=1; }
printf '{"P": {"x": 1}}' > "$T/params.json"
echo 'rule p { P.x == 1 }' > "$T/p.guard"
expect 0 "input params" "$G" validate -r "$T/p.guard" -d "$T/good.yaml" -i "$T/params.json"
printf '{"rules": ["rule a { A == 1 }"], "data": ["{\\"A\\": 1}", "A: 2"]}' > "$T/payload.json"
expect 19 "payload" sh -c "\"$G\" validate -P -S all < \"$T/payload.json\""
grep -q "RULES_STDIN\[1\]/a    FAIL" "$T/out" || { echo "FAIL payload names"; fail=1; }
exit $fail
