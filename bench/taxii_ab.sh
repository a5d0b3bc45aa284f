#!/usr/bin/env bash
# Two or more renkei builds side by side on the same TAXII page load,
# alternating, to tell a real difference from the machine's run-to-run
# spread (which reaches 20 % between single runs of one build).
#
# Usage: bench/taxii_ab.sh --build LABEL=PATH [--build LABEL=PATH ...]
#                          [--store sqlite|pg] [--pg URL] [--objects 1000000]
#                          [--connections 64] [--duration 20] [--rounds 3]
#                          [--env LABEL=VAR=VALUE ...] [--share LABEL=OTHER ...]
#
# Each build gets its own store, loaded once by `renkei bench taxii` (ingest
# is not compared here; bench/taxii.sh measures it) and kept under
# target/bench/ab/<label>/ (PostgreSQL: a database ab_<label> through --pg,
# analysed once after its load), so builds of different schemas never share
# one. Then, for each round, every build in turn (the order reversed every
# other round) serves its store, gets 5 s of warm-up and --duration seconds
# of wrk at random pages of 100 (bench/taxii.lua), and stops. --env runs a
# label with an extra environment variable (e.g. a switch a measurement
# build reads); --share makes LABEL serve OTHER's store (the same build
# twice, with and without such a switch).
# Prints one line per run and each label's runs and mean at the end; raw
# output under target/bench/results/<time>-ab/.
set -euo pipefail

STORE=sqlite
PG=postgres://postgres@127.0.0.1:5432/postgres
OBJECTS=1000000
CONNS=64
DURATION=20
ROUNDS=3
LABELS=()
declare -A BIN ENVS SHARE
while [ $# -gt 0 ]; do
  case "$1" in
    --build) l=${2%%=*}; BIN[$l]=${2#*=}; LABELS+=("$l"); shift 2 ;;
    --env) l=${2%%=*}; ENVS[$l]="${ENVS[$l]:-} ${2#*=}"; shift 2 ;;
    --share) SHARE[${2%%=*}]=${2#*=}; shift 2 ;;
    --store) STORE=$2; shift 2 ;;
    --pg) PG=$2; shift 2 ;;
    --objects) OBJECTS=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "taxii_ab.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ ${#LABELS[@]} -ge 2 ] || { echo "taxii_ab.sh: give at least two --build LABEL=PATH" >&2; exit 2; }
case "$STORE" in sqlite|pg) ;; *) echo "taxii_ab.sh: --store is sqlite or pg" >&2; exit 2 ;; esac
for l in "${LABELS[@]}"; do
  [[ "$l" =~ ^[a-z0-9_]+$ ]] || { echo "taxii_ab.sh: label $l: use a-z, 0-9, _" >&2; exit 2; }
  [ -x "${BIN[$l]}" ] || { echo "taxii_ab.sh: ${BIN[$l]} is not an executable" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "taxii_ab.sh: wrk is needed (bench/taxii.sh installs it)" >&2; exit 1; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/target/bench/results/$(date -u +%Y%m%dT%H%M%SZ)-ab
mkdir -p "$OUT"
declare -A RUNS

# Whose store a label serves.
base() { echo "${SHARE[$1]:-$1}"; }

serve_and_load() {  # label round
  local l=$1 b; b=$(base "$1")
  local dir=$ROOT/target/bench/ab/$b args port log pid url auth
  mkdir -p "$dir"
  if [ "$STORE" = sqlite ]; then
    args=(--data "$dir/sqlite")
  else
    local db=ab_$b prefix=${PG%/*}
    psql "$PG" -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || psql "$PG" -qc "CREATE DATABASE $db"
    args=(--database "$prefix/$db")
  fi
  port=$((18300 + RANDOM % 600))
  log=$OUT/$l-$2.server.log
  env ${ENVS[$l]:-} "${BIN[$l]}" bench taxii "${args[@]}" --objects "$OBJECTS" \
    --listen "127.0.0.1:$port" --tokens "$dir/$STORE.tokens" >"$log" 2>&1 &
  pid=$!
  until grep -q '^serving ' "$log"; do
    kill -0 $pid 2>/dev/null || { echo "taxii_ab.sh: $l exited:" >&2; tail -5 "$log" >&2; exit 1; }
    sleep 0.5
  done
  url=$(sed -n 's/^serving //p' "$log" | head -1)
  auth="Bearer $(sed -n 's/^token: //p' "$log" | head -1)"
  if [ "$STORE" = pg ] && [ ! -e "$dir/analyzed" ]; then psql "${args[1]}" -qc ANALYZE; touch "$dir/analyzed"; fi
  TOKENS=$dir/$STORE.tokens AUTH=$auth wrk -t2 -c"$CONNS" -d5s -s "$ROOT/bench/taxii.lua" "$url" >/dev/null 2>&1
  TOKENS=$dir/$STORE.tokens AUTH=$auth wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency \
    -s "$ROOT/bench/taxii.lua" "$url" >"$OUT/$l-$2.wrk.txt" 2>&1
  kill $pid; wait $pid 2>/dev/null || true
  local r; r=$(grep '^RESULT' "$OUT/$l-$2.wrk.txt")
  echo "$(date -u +%H:%M:%S) round $2 $l $STORE -c$CONNS $r load $(cut -d' ' -f1 /proc/loadavg)"
  RUNS[$l]="${RUNS[$l]:-} $(sed -n 's/.*pages_per_s=\([0-9]*\).*/\1/p' <<<"$r")"
}

for ((round = 1; round <= ROUNDS; round++)); do
  order=("${LABELS[@]}")
  if ((round % 2 == 0)); then
    order=(); for ((i = ${#LABELS[@]} - 1; i >= 0; i--)); do order+=("${LABELS[$i]}"); done
  fi
  for l in "${order[@]}"; do serve_and_load "$l" "$round"; done
done
echo
for l in "${LABELS[@]}"; do
  awk -v l="$l" '{s += $1; n++; r = r (r ? " / " : "") $1} END {printf "%s: %s pages/s, mean %.0f\n", l, r, s / n}' \
    <<<"$(tr ' ' '\n' <<<"${RUNS[$l]}" | grep .)"
done | tee "$OUT/summary.txt"
