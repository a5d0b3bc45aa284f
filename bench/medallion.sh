#!/usr/bin/env bash
# The OASIS reference TAXII 2.1 server, medallion (memory backend), loaded
# with N STIX 2.1 indicators, for side-by-side runs with `renkei bench taxii`
# (bench/taxii.sh drives both).
#
# Usage: bench/medallion.sh [--objects N] [--port PORT] [--max-seconds S]
#
# Like `renkei bench taxii`, it stays in the foreground: it builds the data
# file and config under target/bench/medallion-N/, starts medallion on
# 127.0.0.1:PORT, waits until it answers, checks that a first page
# (?limit=100) is 200 with 100 objects, prints
#     serving http://127.0.0.1:PORT/bench/collections/<id>/objects/
#     auth: Basic …
# and serves until SIGTERM/SIGINT or --max-seconds (default 3600) pass.
#
# medallion keeps paging state server-side (`next` ids live 30 s in its
# memory), so a load generator can only fairly ask it for first pages.
set -euo pipefail

MEDALLION_VERSION=3.0.0
OBJECTS=1000
PORT=18300
MAX_SECONDS=3600
while [ $# -gt 0 ]; do
  case "$1" in
    --objects) OBJECTS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --max-seconds) MAX_SECONDS=$2; shift 2 ;;
    [0-9]*) OBJECTS=$1; shift ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "medallion.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "medallion.sh: something already listens on 127.0.0.1:$PORT" >&2; exit 1
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=$ROOT/target/bench-venv
DIR=$ROOT/target/bench/medallion-$OBJECTS
mkdir -p "$DIR"

if ! "$VENV/bin/python" -c 'import medallion, sys; sys.exit(medallion.__version__ != "'$MEDALLION_VERSION'")' 2>/dev/null; then
  echo "medallion: installing medallion==$MEDALLION_VERSION into $VENV" >&2
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "medallion==$MEDALLION_VERSION" >&2
fi

COLLECTION=4c5e4b1e-5a0e-4b7c-9d4a-000000000001
MUSER=bench
PASSWORD=bench-password
AUTH="Basic $(printf '%s:%s' "$MUSER" "$PASSWORD" | base64 -w0)"
URL="http://127.0.0.1:$PORT/bench/collections/$COLLECTION/objects/"

# Data file in the memory backend's layout (as medallion's own
# test/data/default_data.json): "/discovery", then one API root with
# "information", "status" and "collections"; each collection holds the STIX
# "objects" and a "manifest" entry per object version (id, date_added,
# version = the object's modified, media_type). The indicators have the same
# shape as renkei's (crates/renkei/src/bench/taxii.rs), with distinct date_added.
# (Rewritten every run: it is small, and discovery names the port.)
"$VENV/bin/python" - "$DIR/data.json" "$OBJECTS" "$PORT" "$COLLECTION" <<'PY'
import datetime, json, sys
path, n, port, col = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
base = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
objects, manifest = [], []
for i in range(n):
    oid = "indicator--%08x-%04x-4%03x-8000-%012x" % (i >> 32, (i >> 16) & 0xffff, i & 0xfff, i)
    objects.append({
        "type": "indicator", "spec_version": "2.1", "id": oid,
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
        "name": "bench %d" % i,
        "pattern": "[ipv4-addr:value = '%d.%d.%d.%d']" % (10 + (i >> 24) % 200, (i >> 16) & 255, (i >> 8) & 255, i & 255),
        "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z",
        "object_marking_refs": [green],
    })
    added = base + datetime.timedelta(milliseconds=i)
    manifest.append({
        "id": oid,
        "date_added": added.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (added.microsecond // 1000),
        "version": "2026-11-01T00:00:00.000Z",
        "media_type": "application/stix+json;version=2.1",
    })
data = {
    "/discovery": {
        "title": "medallion bench", "description": "bench/medallion.sh",
        "default": "http://127.0.0.1:%s/bench/" % port,
        "api_roots": ["http://127.0.0.1:%s/bench/" % port],
    },
    "bench": {
        "information": {
            "title": "Bench", "description": "bench/medallion.sh",
            "versions": ["application/taxii+json;version=2.1"],
            "max_content_length": 104857600,
        },
        "status": [],
        "collections": [{
            "id": col, "title": "Bench indicators", "description": "bench/medallion.sh",
            "can_read": True, "can_write": True,
            "media_types": ["application/stix+json;version=2.1"],
            "objects": objects, "manifest": manifest,
        }],
    },
}
with open(path, "w") as f:
    json.dump(data, f)
PY

cat >"$DIR/config.json" <<EOF
{
  "backend": {
    "module": "medallion.backends.memory_backend",
    "module_class": "MemoryBackend",
    "filename": "$DIR/data.json"
  },
  "users": {"$MUSER": "$PASSWORD"},
  "taxii": {"max_page_size": 100}
}
EOF

PID=
# Signals only our own medallion, and only while it still runs.
running() { [ -n "$PID" ] && [[ " $(jobs -rp | tr '\n' ' ') " == *" $PID "* ]]; }   # no grep -q: pipefail
stop() {
  trap - EXIT INT TERM
  if running; then
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 50); do running || break; sleep 0.1; done
    running && kill -9 "$PID" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'stop; exit 143' TERM
trap 'stop; exit 130' INT

# Flask's built-in server (threaded), as medallion's own CLI runs it; under
# `timeout` so that it ends after --max-seconds even if this script is killed.
timeout -s TERM "$MAX_SECONDS" "$VENV/bin/medallion" --host 127.0.0.1 --port "$PORT" --log-level WARN "$DIR/config.json" \
  >"$DIR/server.log" 2>&1 &
PID=$!

ready=
for _ in $(seq 300); do
  running || { echo "medallion exited early; see $DIR/server.log" >&2; tail -20 "$DIR/server.log" >&2; exit 1; }
  if curl -fsS -m 5 -o /dev/null -H "Accept: application/taxii+json;version=2.1" \
       -H "Authorization: $AUTH" "http://127.0.0.1:$PORT/taxii2/" 2>/dev/null; then
    ready=1; break
  fi
  sleep 0.2
done
[ -n "$ready" ] || { echo "medallion did not answer on port $PORT within 60 s" >&2; exit 1; }

# The page the load generator will ask for: 200 and 100 objects.
read -r status count secs < <(
  curl -sS -m 120 -o "$DIR/page.json" -w '%{http_code} %{time_total}\n' \
    -H "Accept: application/taxii+json;version=2.1" -H "Authorization: $AUTH" "$URL?limit=100" |
  { read -r code t; c=$("$VENV/bin/python" -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("objects", [])))' "$DIR/page.json" 2>/dev/null || echo 0); echo "$code $c $t"; })
if [ "$status" != 200 ] || { [ "$count" != 100 ] && [ "$count" != "$OBJECTS" ]; }; then
  echo "medallion check failed: GET $URL?limit=100 -> $status with $count objects" >&2
  head -c 500 "$DIR/page.json" >&2; echo >&2
  exit 1
fi
echo "medallion $MEDALLION_VERSION (memory backend): $OBJECTS indicators; check: first page 200, $count objects, ${secs} s"
echo "serving $URL"
echo "auth: $AUTH"

# Serve until signalled (the traps stop medallion) or --max-seconds pass.
rc=0; wait "$PID" || rc=$?
[ $rc = 124 ] && echo "medallion.sh: --max-seconds $MAX_SECONDS passed, stopped" >&2
exit 0
