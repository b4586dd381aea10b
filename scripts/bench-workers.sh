#!/usr/bin/env bash
# Distributed bulk benchmark (issue #17): 1, 2 and 4 `whohosts bulk --redis --work` processes
# on a generated world of 5,000 domains, every RDAP answer delayed 20 ms and every RDAP
# service limited to 200 requests a second (the client is given the same limits). Prints, per
# worker count, wall time ÷ the rate-limit lower bound and the Redis calls (INFO commandstats
# deltas) and round-trip time per lookup.
#
# Usage: scripts/bench-workers.sh [--release]
# Starts a redis-server of its own (no persistence) on a free loopback port and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=()
if [ "${1:-}" = "--release" ]; then profile=(--release); fi

dir="$(mktemp -d)"
port=""
for p in $(shuf -i 20000-60000 -n 50); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port="$p"; break; fi
done
[ -n "$port" ] || { echo "no free port" >&2; exit 1; }
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
  --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log"
trap 'kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do
  [ "$(redis-cli -p "$port" ping 2>/dev/null)" = "PONG" ] && break
  sleep 0.1
done
WHOHOSTS_TEST_REDIS="redis://127.0.0.1:$port/" \
  cargo test "${profile[@]}" --all-features --test distributed bench_workers -- --ignored --nocapture
