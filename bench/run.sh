#!/usr/bin/env bash
# The servers API benchmark: starts a release cirrusd (fake driver) on a free
# loopback port with a throw-away data dir and quotas big enough, seeds
# $SERVERS servers through the API (bench/seed.py), then runs wrk against
# GET /v2.1/servers/detail and GET /v2.1/servers/{id} and prints requests/s,
# p99 latency, cirrusd's RSS and the CPU time of one /servers/detail.
# Knobs: CIRRUSD (binary), SERVERS (1000), DURATION (10s), CONNECTIONS (16),
# THREADS (2). Run through `make bench`, which builds and installs wrk first.
set -euo pipefail
cd "$(dirname "$0")/.."

CIRRUSD=${CIRRUSD:-build/release/cirrusd}
PYTHON=${PYTHON:-/usr/bin/python3}
SERVERS=${SERVERS:-1000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}

for tool in wrk "$PYTHON" "$CIRRUSD"; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (make bench installs it)" >&2; exit 1; }
done

DATA=$(mktemp -d /tmp/cirrus-bench.XXXXXX)
PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
PID=""

stop() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && kill -KILL "$PID"
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$DATA"
}
trap stop EXIT

# Quota and capacity for $SERVERS of the smallest flavor, with room to spare.
cat > "$DATA/bench.conf" <<EOF
[DEFAULT]
log_level = warning
http_threads = 4

[compute]
host_vcpus = $((SERVERS * 2))
host_ram_mb = $((SERVERS * 1024))
host_disk_gb = $((SERVERS * 10))

[quota]
instances = $((SERVERS * 2))
cores = $((SERVERS * 16))
ram = $((SERVERS * 32768))
EOF

"$CIRRUSD" --config "$DATA/bench.conf" --data-dir "$DATA" --listen "127.0.0.1:$PORT" \
  >"$DATA/cirrusd.log" 2>&1 &
PID=$!
for _ in $(seq 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { echo "bench: cirrusd exited:" >&2; cat "$DATA/cirrusd.log" >&2; exit 1; }
  sleep 0.1
done

echo "bench: seeding $SERVERS servers through the API ..."
seeded=$("$PYTHON" bench/seed.py seed "$URL" "$SERVERS")
eval "$seeded"

# wrk's summary: "Requests/sec: 1234.56" and, with --latency, "99%  3.21ms".
run_wrk() {
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
            -H "X-Auth-Token: $TOKEN" "$1")
  echo "$out" >"$DATA/wrk-$2.txt"
  local rps p99 errs
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  if [ -n "$errs" ]; then
    echo "bench: $2 had $errs non-2xx responses" >&2
    cat "$DATA/wrk-$2.txt" >&2
    exit 1
  fi
  printf '%s %s\n' "${rps:-?}" "${p99:-?}"
}

echo "bench: wrk $DURATION, $CONNECTIONS connections, $THREADS threads per endpoint ..."
detail=$(run_wrk "$URL/v2.1/servers/detail" detail)
show=$(run_wrk "$URL/v2.1/servers/$SERVER_ID" show)
read -r DETAIL_RPS DETAIL_P99 <<<"$detail"
read -r SHOW_RPS SHOW_P99 <<<"$show"
measured=$("$PYTHON" bench/seed.py cpu "$URL" "$TOKEN" "$PID" 20)
eval "$measured"
RSS_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status")
HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$PID/status")

printf '\ncirrus benchmark: %s servers, fake driver, %s, %s connections\n' \
  "$DETAIL_SERVERS" "$DURATION" "$CONNECTIONS"
printf '%-34s %12s %12s\n' "endpoint" "requests/s" "p99"
printf '%-34s %12s %12s\n' "GET /v2.1/servers/detail" "$DETAIL_RPS" "$DETAIL_P99"
printf '%-34s %12s %12s\n' "GET /v2.1/servers/{id}" "$SHOW_RPS" "$SHOW_P99"
printf '%-34s %12s\n' "cirrusd RSS now / peak (MiB)" \
  "$((RSS_KB / 1024)) / $((HWM_KB / 1024))"
printf '%-34s %12s\n' "CPU per /servers/detail (ms)" "$DETAIL_CPU_MS"
printf '%-34s %12s\n' "wall per /servers/detail (ms)" "$DETAIL_WALL_MS"
printf '%-34s %12s\n' "/servers/detail body (KiB)" "$((DETAIL_BYTES / 1024))"
