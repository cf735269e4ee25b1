#!/usr/bin/env bash
# Bounded loopback load test of GET /api/v1/opportunities while ingestion runs in the same process.
# Needs wrk (Debian package). Usage: benches/api_load.sh [duration_s] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}
conns=${2:-8}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
cargo build --release -q
tmp=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
# Ingestion every second, snapshot refresh every 0.5 s: the engine is busy while we load it.
NFLREADPY_BETTING__ingestion__scheduler__interval_seconds=1 \
NFLREADPY_BETTING__dashboard__refresh_seconds=0.5 \
NFLREADPY_BETTING__api__rate_limit_per_second=1000000 \
  ./target/release/nflreadpy-betting serve --bind 127.0.0.1:18099 --storage "$tmp/load.sqlite3" 2>"$tmp/server.log" &
server=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18099/readyz >/dev/null && break; sleep 0.2; done
sleep 3   # let a few polls and a pricing pass land
echo "== wrk -t2 -c$conns -d${duration}s --latency /api/v1/opportunities?limit=50 (closed loop, max throughput)"
wrk -t2 -c"$conns" -d"${duration}s" --latency "http://127.0.0.1:18099/api/v1/opportunities?limit=50"
echo "== the same URL paced just over 500 requests/s (2 threads x 4 connections, 7 ms between requests)"
cat > "$tmp/pace.lua" <<'LUA'
function delay() return 7 end
LUA
wrk -t2 -c4 -d"${duration}s" --latency -s "$tmp/pace.lua" "http://127.0.0.1:18099/api/v1/opportunities?limit=50"
echo "== replay polls the server completed meanwhile (ingestion_polls_total):"
curl -s http://127.0.0.1:18099/metrics | grep '^ingestion_polls_total' || true
