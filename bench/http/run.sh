#!/bin/sh
# run.sh — PutResourceConfig over HTTP with SigV4 and keep-alive: plumb vs moto_server, driven by
# the same load generator (plumb-loadgen) in the same run, and the ratio of their rates.
#
#   bench/http/run.sh [BUILD_DIR]          (default BUILD_DIR: build)
#   env: PLUMB=path/to/plumb (default BUILD_DIR/plumb, then BUILD_DIR/src/cli/plumb; when
#        neither exists the transport-only stub server is measured instead, and said so),
#        CONNS=32 DURATION=10 WARMUP=2 MOTO_DURATION=10, OP=put
# Everything listens on 127.0.0.1 on free ports and is stopped on exit.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
CONNS=${CONNS:-32}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
MOTO_DURATION=${MOTO_DURATION:-10}
OP=${OP:-put}
LOADGEN=$BUILD/bench/http/plumb-loadgen
STUB=$BUILD/bench/http/plumb-http-stub
if [ -z "${PLUMB:-}" ]; then
    PLUMB=$BUILD/plumb
    [ -x "$PLUMB" ] || PLUMB=$BUILD/src/cli/plumb
fi
if [ ! -x "$LOADGEN" ]; then
    echo "run.sh: build $LOADGEN first (ninja -C $BUILD plumb-loadgen)" >&2
    exit 2
fi

TMP=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    sleep 0.3
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
wait_port() { # port, seconds
    python3 - "$1" "$2" <<'EOF'
import socket, sys, time
end = time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close(); sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}
rps_of() { sed -n 's/.* rps=\([0-9]*\) .*/\1/p' "$1"; }

P1=$(free_port)
if [ -x "$PLUMB" ]; then
    WHAT="plumb serve ($PLUMB)"
    "$PLUMB" serve --listen 127.0.0.1:"$P1" --data "$TMP/plumb" ${PLUMB_ARGS:-} >"$TMP/plumb.out" 2>&1 &
else
    WHAT="transport-only stub (no plumb binary: SigV4 + HTTP + JSON parse, no store)"
    "$STUB" "$TMP/plumb" "$P1" >"$TMP/plumb.out" 2>&1 &
fi
PIDS="$PIDS $!"
wait_port "$P1" 15 || { cat "$TMP/plumb.out"; exit 1; }
sleep 0.3
EXPORTS=$(grep '^export AWS_ACCESS_KEY_ID=' "$TMP/plumb.out")
eval "$EXPORTS"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

P2=$(free_port)
moto_server -p "$P2" >"$TMP/moto.out" 2>&1 &
PIDS="$PIDS $!"
wait_port "$P2" 30 || { cat "$TMP/moto.out"; exit 1; }

CPU=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
echo "machine: $(nproc) cores, $CPU, $(date -u +%Y-%m-%dT%H:%MZ), load average $LOAD"
echo "client: plumb-loadgen --op $OP --conns $CONNS (SigV4 signed, keep-alive)"
echo "== $WHAT"
"$LOADGEN" --endpoint "http://127.0.0.1:$P1" --op "$OP" --conns "$CONNS" \
    --duration "$DURATION" --warmup "$WARMUP" --setup 2>"$TMP/setup1" | tee "$TMP/r1"
echo "== moto_server $(python3 -c 'import moto; print(moto.__version__)')"
"$LOADGEN" --endpoint "http://127.0.0.1:$P2" --op "$OP" --conns "$CONNS" \
    --duration "$MOTO_DURATION" --warmup "$WARMUP" --setup 2>"$TMP/setup2" | tee "$TMP/r2"
R1=$(rps_of "$TMP/r1")
R2=$(rps_of "$TMP/r2")
python3 -c "import sys; a, b = int(sys.argv[1]), int(sys.argv[2])
print('ratio plumb/moto = %.1fx (%d vs %d req/s)' % (a / max(b, 1), a, b))" "$R1" "$R2"
