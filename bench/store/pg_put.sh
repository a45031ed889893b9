#!/bin/sh
# pg_put.sh — PutResourceConfig over HTTP (SigV4, keep-alive, plumb-loadgen) into `plumb serve`
# on SQLite and on PostgreSQL, side by side in the same run, alternating ROUNDS times: req/s,
# p99 and the server's CPU seconds per 1,000 requests for each, and the PostgreSQL/SQLite ratio
# (issue 17's goal: PostgreSQL at least 60% of SQLite's rate).
#
#   bench/store/pg_put.sh [BUILD_DIR]     env: CONNS=32 DURATION=10 WARMUP=2 ROUNDS=2
# A throwaway PostgreSQL cluster (tests/pg/pg-cluster: fsync off, as the tests run it) and
# everything else listen on 127.0.0.1 and are removed on exit.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
CONNS=${CONNS:-32}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-2}
PLUMB=$BUILD/plumb
LOADGEN=$BUILD/bench/http/plumb-loadgen
TMP=$(mktemp -d)
PID=""
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
    "$ROOT/tests/pg/pg-cluster" stop "$TMP/pg" >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
URL=$("$ROOT/tests/pg/pg-cluster" start "$TMP/pg" | tail -1)
[ -n "$URL" ] || { echo "pg_put.sh: no PostgreSQL cluster (binaries missing?)" >&2; exit 2; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
cpu_s() { # utime+stime of pid, seconds
    awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

# one run: backend name, extra serve args
run() {
    port=$(free_port)
    dir=$TMP/data-$1-$(date +%s%N)
    "$PLUMB" serve --listen 127.0.0.1:"$port" --data "$dir" $2 >"$TMP/serve.out" 2>&1 &
    PID=$!
    python3 -c "import socket,time,sys
for _ in range(300):
    try: socket.create_connection(('127.0.0.1', $port), 0.2).close(); sys.exit(0)
    except OSError: time.sleep(0.1)
sys.exit(1)" || { cat "$TMP/serve.out"; exit 1; }
    sleep 0.3
    eval "$(grep '^export AWS_ACCESS_KEY_ID=' "$TMP/serve.out")"
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    c0=$(cpu_s "$PID")
    "$LOADGEN" --endpoint "http://127.0.0.1:$port" --op put --conns "$CONNS" \
        --duration "$DURATION" --warmup "$WARMUP" --setup 2>/dev/null >"$TMP/r"
    c1=$(cpu_s "$PID")
    kill "$PID"
    wait "$PID" 2>/dev/null || true
    PID=""
    rps=$(sed -n 's/.* rps=\([0-9]*\) .*/\1/p' "$TMP/r")
    p99=$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' "$TMP/r")
    python3 -c "import sys
b, rps, p99, c0, c1, d, w = sys.argv[1], float(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
print('%-10s %8.0f req/s  p99 %s ms  server CPU %.2f s per 1,000 requests' % (b, rps, p99, (c1 - c0) / max(rps * (d + w), 1) * 1000))
" "$1" "$rps" "$p99" "$c0" "$c1" "$DURATION" "$WARMUP" | tee -a "$TMP/all"
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "client: plumb-loadgen --op put --conns $CONNS --duration $DURATION (SigV4, keep-alive)"
i=0
while [ "$i" -lt "$ROUNDS" ]; do
    run sqlite ""
    db=bench_$i
    psql -q "$URL" -c "CREATE DATABASE $db" >/dev/null
    run postgres "--store ${URL%/*}/$db"
    i=$((i + 1))
done
python3 - "$TMP/all" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1])]
lite = [float(r[1]) for r in rows if r[0] == "sqlite"]
pg = [float(r[1]) for r in rows if r[0] == "postgres"]
m = lambda v: sorted(v)[len(v) // 2]
print("median req/s: sqlite %.0f, postgres %.0f: postgres/sqlite = %.0f%%" % (m(lite), m(pg), 100 * m(pg) / m(lite)))
EOF
