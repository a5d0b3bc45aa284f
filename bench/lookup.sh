#!/usr/bin/env bash
# REST value look-ups (`GET /api/v1/indicators/lookup`) on the PostgreSQL
# stores bench/taxii.sh left behind (renkei_bench_<N>), one size after the
# other in one run, so that sizes compare; prints a markdown table.
#
# Usage: bench/lookup.sh --pg postgres://user@host:port/db
#                        [--sizes "1000000 10000000"] [--duration 15]
#                        [--connections "1 16"]
#
# For each size N: `renkei serve` on the database renkei_bench_N (which must
# hold N indicators from `renkei bench taxii --objects N`; run
# `bench/taxii.sh --pg-only --objects-small N --objects-large M` first),
# then wrk with bench/lookup.lua at each number of connections: one IPv4
# value per request, 75 % values of random indicators of the N (each must
# be found), 25 % absent values (none may be). Requests use the bench's
# API token (the data owner's organisation); the data is TLP:GREEN, so
# every look-up that finds something writes its read audit first, as in
# production. Raw output goes to target/bench/results/<time>-lookup/.
set -euo pipefail

PG=
SIZES="1000000 10000000"
DURATION=15
CONNS="1 16"
while [ $# -gt 0 ]; do
  case "$1" in
    --pg) PG=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "lookup.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$PG" ] || { echo "lookup.sh: --pg is needed" >&2; exit 2; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/target/bench/results/$(date -u +%Y%m%dT%H%M%SZ)-lookup
mkdir -p "$OUT"
log() { echo "[lookup.sh $(date +%H:%M:%S)] $*" >&2; }
cargo build --release -q -p renkei
RENKEI=$ROOT/target/release/renkei
# the token `renkei bench taxii` creates (crates/renkei/src/bench/mod.rs)
AUTH="Bearer rk_bench_0000000000000000000000000000000000000000000000000000000000000000"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; SERVER=; }
trap cleanup EXIT

base=${PG%%\?*}
if [[ "$base" =~ ^[a-z]+://[^/]*$ ]]; then prefix=$base; else prefix=${base%/*}; fi
ROWS=()
PORT=18310
for n in $SIZES; do
  url=$prefix/renkei_bench_$n
  held=$(psql "$url" -Atc 'SELECT count(*) FROM stix_objects WHERE deleted_at IS NULL')
  [ "$held" = "$n" ] || { log "renkei_bench_$n holds $held objects, not $n; run bench/taxii.sh first"; exit 1; }
  RENKEI__LISTEN=127.0.0.1:$PORT RENKEI__DATABASE_URL=$url RUST_LOG=warn "$RENKEI" serve >"$OUT/serve-$n.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/taxii2/" -H "Authorization: $AUTH" -H 'Accept: application/taxii+json;version=2.1' && break; sleep 0.2; done
  for c in $CONNS; do
    t=2; [ "$c" -lt 2 ] && t=1
    l0=$(cut -d' ' -f1-3 /proc/loadavg)
    log "$n objects: wrk -t$t -c$c -d${DURATION}s (load average $l0)"
    OBJECTS=$n AUTH=$AUTH wrk -t$t -c"$c" -d"${DURATION}s" --latency -s bench/lookup.lua "http://127.0.0.1:$PORT" >"$OUT/wrk-$n-c$c.txt" 2>&1 || true
    r=$(grep '^RESULT ' "$OUT/wrk-$n-c$c.txt" || echo "RESULT failed")
    log "$n objects, -c$c: $r"
    f() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$r"; }
    ROWS+=("| PostgreSQL | $n | $c | $(f lookups_per_s) | $(f p50_ms) | $(f p90_ms) | $(f p99_ms) | $(f max_ms) | $(f present)/$(f present_not_found) | $(f absent)/$(f absent_found) | $(( $(f errors | grep . || echo 0) + $(f non200 | grep . || echo 0) )) | $l0 → $(cut -d' ' -f1-3 /proc/loadavg) |")
  done
  cleanup
  PORT=$((PORT + 1))
done

{
  echo "## REST value look-ups, one IPv4 value per request (wrk -d${DURATION}s, bench/lookup.lua)"
  echo
  echo "| store | objects | clients | look-ups/s | p50 ms | p90 ms | p99 ms | max ms | present / not found | absent / found | errors | load average before → after |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo);" \
    "load average $LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end;" \
    "$(date -u +%Y-%m-%dT%H:%MZ); renkei $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo '+dirty'); raw output: ${OUT#"$ROOT"/}"
} | tee "$OUT/table.md"
