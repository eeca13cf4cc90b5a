#!/usr/bin/env bash
# Data subject rights benchmark: a release build of trohet on SQLite.
#
# Usage:
#   bench/privacy.sh [--no-build]
#
# Environment (optional): ROWS=100000 (rows about the person), DELIVERIES=5000 (security
# event tokens queued for the delivery run).
#
# Measures, each as a whole `trohet` command on the host (process start included):
#   - the export of a person with ROWS audit events and consent decisions, and of a person
#     with 1% of that, with the peak resident memory of each (flat memory: about equal);
#   - the erasure of the person with ROWS rows;
#   - security event tokens delivered per second by the outbox to a receiver on loopback.
# Prints a markdown table and writes it to bench/results/privacy.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BENCH="$ROOT/bench"
BIN="$ROOT/target/release/trohet"
ROWS=${ROWS:-100000}
DELIVERIES=${DELIVERIES:-5000}
[[ ${1:-} == --no-build ]] || cargo build --release --quiet
command -v jq >/dev/null || { apt-get install -y jq >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y jq >/dev/null; }; }
command -v sqlite3 >/dev/null || { apt-get install -y sqlite3 >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y sqlite3 >/dev/null; }; }

WORK=$(mktemp -d -t trohet-privacy.XXXXXX)
SERVER_PID=""
RECEIVER_PID=""
cleanup() {
  for pid in $SERVER_PID $RECEIVER_PID; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
DATA="$WORK/data"
mkdir -p "$DATA"
cli() { "$BIN" --data-dir "$DATA" --policies-dir "$ROOT/policies" --json "$@"; }
say() { printf '==> %s\n' "$*" >&2; }

# Wall seconds and peak RSS (MiB) of a command, as "seconds mib".
measure() {
  local out="$WORK/time.txt"
  /usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null
  awk '{ printf "%.2f %.0f\n", $1, $2 / 1024 }' "$out"
}
[[ -x /usr/bin/time ]] || { apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }; }

cli migrate >/dev/null
CUSTOMER=$(cli customer add --name "Privacy Bench AB" | jq -er .id)
person() {
  echo "bench-password-2026" | cli person add --email "$1" --name "$2" --customer "$CUSTOMER" \
    --role member --password-stdin | jq -er .id
}
BIG=$(person big@example.com "Many Rows")
SMALL=$(person small@example.com "Few Rows")
say "giving one person $ROWS rows and another $((ROWS / 100))"
python3 "$BENCH/privacy_rows.py" "$DATA/trohet.db" "$BIG" "$ROWS"
python3 "$BENCH/privacy_rows.py" "$DATA/trohet.db" "$SMALL" "$((ROWS / 100))"

say "exporting"
read -r SMALL_S SMALL_MIB < <(measure "$BIN" --data-dir "$DATA" --policies-dir "$ROOT/policies" \
  person export --person "$SMALL" --output "$WORK/small.zip")
read -r BIG_S BIG_MIB < <(measure "$BIN" --data-dir "$DATA" --policies-dir "$ROOT/policies" \
  person export --person "$BIG" --output "$WORK/big.zip")
BIG_ZIP_KB=$(( $(stat -c %s "$WORK/big.zip") / 1024 ))
ENTRIES=$(python3 -c "import json,sys,zipfile; d=json.load(zipfile.ZipFile(sys.argv[1]).open('data.json')); print(len(d['audit_events']) + len(d['consent_ledger']))" "$WORK/big.zip")

say "erasing"
read -r ERASE_S ERASE_MIB < <(measure "$BIN" --data-dir "$DATA" --policies-dir "$ROOT/policies" \
  person erase --person "$BIG")
cli audit verify >/dev/null || { echo "the audit chain does not verify after erasure" >&2; exit 1; }

say "delivering $DELIVERIES security event tokens"
COUNT_FILE="$WORK/received"
echo 0 >"$COUNT_FILE"
python3 "$BENCH/receiver.py" "$COUNT_FILE" >"$WORK/receiver.port" &
RECEIVER_PID=$!
for _ in $(seq 50); do [[ -s $WORK/receiver.port ]] && break; sleep 0.1; done
RECEIVER_PORT=$(cat "$WORK/receiver.port")
python3 - "$DATA/trohet.db" "$DELIVERIES" "http://127.0.0.1:$RECEIVER_PORT/events" <<'PY'
import json, sqlite3, sys, time, uuid
db = sqlite3.connect(sys.argv[1])
now = int(time.time())
payload = json.dumps({"uri": sys.argv[3], "token": "eyJ" + "x" * 600})
db.executemany(
    "insert into outbox (outbox_id, kind, payload, created_at, next_attempt_at, attempts, client_id) "
    "values (?, 'security_event', ?, ?, ?, 0, 'bench')",
    [(str(uuid.uuid4()), payload, now, now) for _ in range(int(sys.argv[2]))])
db.commit()
PY
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
START=$(date +%s.%N)
"$BIN" --data-dir "$DATA" --policies-dir "$ROOT/policies" serve --listen "127.0.0.1:$PORT" \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
while :; do
  LEFT=$(sqlite3 "$DATA/trohet.db" "select count(*) from outbox where kind = 'security_event' and delivered_at is null")
  [[ $LEFT == 0 ]] && break
  kill -0 "$SERVER_PID" || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.2
done
END=$(date +%s.%N)
PER_SECOND=$(awk -v n="$DELIVERIES" -v a="$START" -v b="$END" 'BEGIN { printf "%.0f", n / (b - a) }')

mkdir -p "$BENCH/results"
{
  echo "| measure | result | target |"
  echo "|---|---|---|"
  echo "| export, $ROWS rows ($ENTRIES in data.json, zip ${BIG_ZIP_KB} KiB) | ${BIG_S} s, peak ${BIG_MIB} MiB | < 1 s |"
  echo "| export, $((ROWS / 100)) rows | ${SMALL_S} s, peak ${SMALL_MIB} MiB | flat memory |"
  echo "| erasure, $ROWS rows | ${ERASE_S} s, peak ${ERASE_MIB} MiB | < 2 s |"
  echo "| security event tokens delivered (one worker, loopback) | ${PER_SECOND}/s, $DELIVERIES in all | — |"
  echo
  echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, $(uname -r), commit $(git rev-parse --short HEAD)"
} | tee "$BENCH/results/privacy.md"
