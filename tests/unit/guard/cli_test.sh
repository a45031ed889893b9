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
# YAML anchors in test specs: shared inputs work; an alias bomb, a recursive alias and deep
# nesting are refused at once (exit 255, the reason on stderr), in little time and memory.
cat > "$T/anchor_tests.yaml" <<'R'
- name: good
  input: &good
    Resources:
      b: {Type: AWS::S3::Bucket, Properties: &props {VersioningConfiguration: {Status: Enabled}}}
  expectations: {rules: {versioned: PASS}}
- name: again
  input: {Resources: {c: {Type: AWS::S3::Bucket, Properties: *props}, d: *good}}
  expectations: {rules: {versioned: PASS}}
R
expect 0 "test spec anchors" "$G" test -r "$T/r.guard" -t "$T/anchor_tests.yaml"
{ printf -- '- name: bomb\n  input:\n    a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n'
  p=a
  for l in b c d e f g h i; do
      printf '    %s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' $l $l $p $p $p $p $p $p $p $p $p
      p=$l
  done
  printf '  expectations: {rules: {versioned: SKIP}}\n'; } > "$T/bomb_tests.yaml"
printf -- '- name: rec\n  input: &a {x: [*a]}\n  expectations: {rules: {versioned: SKIP}}\n' \
    > "$T/rec_tests.yaml"
deep=$(awk 'BEGIN { for (i = 0; i < 600; i++) printf "["; for (i = 0; i < 600; i++) printf "]" }')
printf -- '- name: deep\n  input: {x: %s}\n  expectations: {rules: {versioned: SKIP}}\n' "$deep" \
    > "$T/deep_tests.yaml"
limit=""
[ -n "${PL_ASAN:-}" ] || limit="ulimit -v 500000;" # 500 MB; ASan reserves more than that
refused() { # refused DESCRIPTION FILE MESSAGE
    t0=$(date +%s%N)
    expect 255 "$1" sh -c "$limit exec \"$G\" test -r \"$T/r.guard\" -t \"$2\""
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    grep -q "$3" "$T/err" || { echo "FAIL $1: message"; cat "$T/err"; fail=1; }
    [ "$ms" -lt 5000 ] || { echo "FAIL $1: took $ms ms"; fail=1; }
}
refused "alias bomb" "$T/bomb_tests.yaml" "aliases expand to more than 100000 nodes"
refused "recursive alias" "$T/rec_tests.yaml" "recursive alias"
refused "deep nesting" "$T/deep_tests.yaml" "nesting deeper than 512"
# Inputs cfn-guard 3.1.1 refuses (issue 11 §5): a NUL byte in a rules file is a parse error for
# validate as for eval (never the rest of the file silently dropped); an empty data file, invalid
# UTF-8 in data or rules, a lone surrogate escape in JSON data are errors.
printf 'rule a { A exists }\n\0rule b { B exists }\n' > "$T/nul.guard"
printf '{"A":1}' > "$T/a.json"
expect 5 "NUL byte in rules (validate)" "$G" validate -r "$T/nul.guard" -d "$T/a.json"
grep -q "line 2:1" "$T/err" || { echo "FAIL NUL byte: position"; cat "$T/err"; fail=1; }
expect 5 "NUL byte in rules (eval)" "$G" eval "$T/nul.guard" "$T/a.json"
: > "$T/empty.json"
printf ' \n\t\n' > "$T/blank.yaml"
printf '{"A":"\377"}' > "$T/badutf.json"
printf '{"A":"\\ud800"}' > "$T/lone.json"
printf 'rule a { A == "\377" }\n' > "$T/badutf.guard"
expect 255 "empty data file" "$G" validate -r "$T/r.guard" -d "$T/empty.json"
expect 255 "blank data file" "$G" validate -r "$T/r.guard" -d "$T/blank.yaml"
expect 255 "invalid UTF-8 data" "$G" validate -r "$T/r.guard" -d "$T/badutf.json"
expect 255 "lone surrogate in JSON data" "$G" validate -r "$T/r.guard" -d "$T/lone.json"
# cfn-guard prints "stream did not contain valid UTF-8" and exits 0, evaluating nothing; plumb
# refuses the file as a parse error (docs/guard.md, differences).
expect 5 "invalid UTF-8 rules" "$G" validate -r "$T/badutf.guard" -d "$T/a.json"
# Depth limits no stricter than cfn-guard 3.1.1's (it evaluates 1500 nested blocks, 4000 nested
# lists and a chain of 4000 rule references, and overflows its stack a little further) and still
# bounded: past them plumb refuses the policy instead of crashing.
printf '{"A":{"A":1}}' > "$T/aa.json"
awk 'BEGIN { print "rule r {"; for (i = 0; i < 1500; i++) print "A {"; print "this exists";
             for (i = 0; i < 1501; i++) print "}" }' > "$T/blocks.guard"
expect 19 "1500 nested blocks" "$G" validate -r "$T/blocks.guard" -d "$T/aa.json"
awk 'BEGIN { printf "let x = "; for (i = 0; i < 4000; i++) printf "["; printf "1";
             for (i = 0; i < 4000; i++) printf "]"; print ""; print "rule r { %x exists }" }' \
    > "$T/lists.guard"
expect 0 "4000 nested lists" "$G" validate -r "$T/lists.guard" -d "$T/aa.json"
chain() { awk -v n="$1" 'BEGIN { for (i = n; i > 0; i--) printf "rule r%d {\n  r%d\n}\n", i, i - 1;
                               print "rule r0 { A exists }" }'; }
chain 4000 > "$T/chain.guard"
expect 0 "4000 chained rule references" "$G" validate -r "$T/chain.guard" -d "$T/aa.json"
chain 6000 > "$T/chain6k.guard"
expect 255 "6000 chained rule references refused" "$G" validate -r "$T/chain6k.guard" -d "$T/aa.json"
awk 'BEGIN { print "rule r {"; for (i = 0; i < 20000; i++) print "A {"; print "this exists";
             for (i = 0; i < 20001; i++) print "}" }' > "$T/blocks20k.guard"
expect 5 "20000 nested blocks refused" "$G" validate -r "$T/blocks20k.guard" -d "$T/aa.json"
awk 'BEGIN { print "let a0 = A"; for (i = 1; i <= 19000; i++) printf "let a%d = %%a%d\n", i, i - 1;
             print "rule r { %a19000 exists }" }' > "$T/lets.guard"
expect 255 "19000 chained lets refused" "$G" validate -r "$T/lets.guard" -d "$T/aa.json"
exit $fail
