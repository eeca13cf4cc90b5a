#!/usr/bin/env bash
# panva oidc-provider 8.8.1 measured the way bench/run.sh measures trohet: full login
# flows/s and refresh rotations/s, server pinned to one core, load on the other.
#
# Usage: bench/panva/run.sh            (from any directory; see bench/panva/README.md)
#
# Environment (all optional, same names and defaults as bench/run.sh):
#   DURATION=8s WARMUP=2s REFRESH_CONNS=16 LOGIN_WORKERS=8 LOGIN_SECONDS=10
#   SERVER_CPU=0 LOAD_CPU=1
#
# Exit status: 0 when everything ran; 1 if something failed to run; 3 if a measured run
# saw non-2xx responses, socket errors or failed flows (the numbers are then meaningless).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
HERE=$(pwd)
BENCH=$(dirname "$HERE")   # bench/, for refresh.lua

DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-2s}
REFRESH_CONNS=${REFRESH_CONNS:-16}
LOGIN_WORKERS=${LOGIN_WORKERS:-8}
LOGIN_SECONDS=${LOGIN_SECONDS:-10}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

# The same client, redirect URI and credentials as bench/run.sh uses for trohet.
export CLIENT_ID=bench CLIENT_SECRET=bench-secret-0123456789abcdef
export REDIRECT_URI="http://127.0.0.1:1/cb" EMAIL="bench@example.com" PASSWORD="bench-password-2026"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench/panva: %s\n' "$*" >&2; exit 1; }

# --- tools and packages ------------------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  command -v apt-get >/dev/null || die "node and npm are missing and apt-get is not available"
  say "installing nodejs and npm with apt-get"
  apt-get install -y nodejs npm >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y nodejs npm >/dev/null; } \
    || die "cannot install nodejs and npm"
fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
((NODE_MAJOR >= 18)) || die "oidc-provider 8 needs Node >= 18, found $(node --version)"
for tool in wrk python3 curl taskset awk; do command -v "$tool" >/dev/null || die "$tool is required"; done
# npm ls fails when node_modules is missing or does not match package-lock.json.
npm ls --silent >/dev/null 2>&1 || { say "npm ci"; npm ci --no-audit --no-fund --silent; }

# --- server --------------------------------------------------------------------------------
WORK=$(mktemp -d -t panva-bench.XXXXXX)
SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=""
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 30000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then PORT=$candidate; break; fi
done
[[ -n $PORT ]] || die "no free port found"
BASE="http://127.0.0.1:$PORT"
say "starting oidc-provider on $BASE pinned to CPU $SERVER_CPU"
PORT=$PORT NODE_ENV=production taskset -c "$SERVER_CPU" node server.mjs >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  curl -sf -o /dev/null "$BASE/.well-known/openid-configuration" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited"; }
  sleep 0.1
done
curl -sf -o /dev/null "$BASE/.well-known/openid-configuration" || die "the server did not come up"
sleep 1
mem_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status"; }
IDLE_RSS_KB=$(mem_kb VmRSS)

FLOW_ARGS=("$BASE" "$CLIENT_ID" "$CLIENT_SECRET" "$REDIRECT_URI" "$EMAIL" "$PASSWORD")
refresh_tokens() { # count -> one refresh token per line, each from its own login and grant
  taskset -c "$LOAD_CPU" python3 flows.py tokens "${FLOW_ARGS[@]}" "$1"
}
BENCH_BASIC=$(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)   # both URL-safe
export BENCH_BASIC

# --- CPU accounting, as in bench/run.sh ------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }   # all of node's threads
core_busy_ticks() { awk -v c="cpu$SERVER_CPU" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
MARK=()
mark() { MARK=("$(cpu_ticks)" "$(core_busy_ticks)" "$EPOCHREALTIME"); }
cpu_since_mark() { # -> "server% others%" since mark
  awk -v a="${MARK[0]}" -v b="$(cpu_ticks)" -v c="${MARK[1]}" -v d="$(core_busy_ticks)" \
    -v t0="${MARK[2]}" -v t1="$EPOCHREALTIME" -v hz="$CLK_TCK" 'BEGIN {
      s = hz * (t1 - t0); o = (d - c) - (b - a); if (o < 0) o = 0
      printf "%d %d\n", 100 * (b - a) / s, 100 * o / s }'
}

# --- sanity check: one rotation answers 200 with a new refresh token ------------------------
say "sanity check: one login with offline_access, one refresh"
SPARE=$(refresh_tokens 1)
curl -s -H "Authorization: Basic $BENCH_BASIC" -d grant_type=refresh_token \
  --data-urlencode "refresh_token=$SPARE" "$BASE/token" | grep -q '"refresh_token"' \
  || die "the refresh_token grant did not return a new refresh token"

# --- refresh rotations: wrk + bench/refresh.lua, one grant per thread and connection ---------
# The default in-memory adapter is an LRU (1,000 entries per generation): the warm-up's
# rotations would evict tokens minted before it, so the measured grants are minted after it.
say "refresh: $REFRESH_CONNS logins for the warm-up grants, warm-up $WARMUP"
refresh_tokens "$REFRESH_CONNS" >"$WORK/refresh-warmup"
BENCH_REFRESH_FILE="$WORK/refresh-warmup" taskset -c "$LOAD_CPU" \
  wrk -t"$REFRESH_CONNS" -c"$REFRESH_CONNS" -d "$WARMUP" -s "$BENCH/refresh.lua" "$BASE/token" >/dev/null
say "refresh: $REFRESH_CONNS logins for the measured grants, then $DURATION"
refresh_tokens "$REFRESH_CONNS" >"$WORK/refresh-measured"
mark
WRK_OUT=$(BENCH_REFRESH_FILE="$WORK/refresh-measured" taskset -c "$LOAD_CPU" \
  wrk -t"$REFRESH_CONNS" -c"$REFRESH_CONNS" -d "$DURATION" --latency -s "$BENCH/refresh.lua" "$BASE/token")
read -r REFRESH_CPU REFRESH_OTHERS < <(cpu_since_mark)
REFRESH_RPS=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$WRK_OUT")
# wrk prints latencies as 512.00us / 1.20ms / 2.00s; convert to milliseconds.
wrk_ms() { awk -v q="$1" '$1 == q { n = $2 + 0; u = $2; sub(/^[0-9.]+/, "", u)
  if (u == "us") n /= 1000; else if (u == "s") n *= 1000; printf "%.2f", n }' <<<"$WRK_OUT"; }
REFRESH_P50=$(wrk_ms 50%); REFRESH_P99=$(wrk_ms 99%)
[[ -n $REFRESH_RPS && -n $REFRESH_P50 && -n $REFRESH_P99 ]] || { echo "$WRK_OUT" >&2; die "cannot read wrk's output"; }
REFRESH_ERR=$(awk '/Non-2xx or 3xx responses:/ { e += $NF } /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
  /responses without a refresh_token/ { e += $2 } END { print e + 0 }' <<<"$WRK_OUT")
((REFRESH_ERR == 0)) || echo "$WRK_OUT" >&2

# --- full login flows ------------------------------------------------------------------------
say "login flows: $LOGIN_WORKERS browsers for $LOGIN_SECONDS s"
mark
LOGIN_JSON=$(taskset -c "$LOAD_CPU" python3 flows.py bench "${FLOW_ARGS[@]}" "$LOGIN_WORKERS" "$LOGIN_SECONDS")
read -r LOGIN_CPU LOGIN_OTHERS < <(cpu_since_mark)
json() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$LOGIN_JSON" "$1"; }
LOGIN_FPS=$(json flows_per_sec); LOGIN_P50=$(json p50_ms); LOGIN_P99=$(json p99_ms); LOGIN_ERR=$(json errors)
PEAK_HWM_KB=$(mem_kb VmHWM)

# --- report ----------------------------------------------------------------------------------
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1000000 }'; }
echo
echo "machine: $(lscpu | awk -F: '/^Model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }'), $(nproc --all) CPUs, Linux $(uname -r)"
echo "setup:   oidc-provider 8.8.1 (in-memory adapter), node $(node --version), NODE_ENV=production;" \
  "server on CPU $SERVER_CPU, load on CPU $LOAD_CPU; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-34s %10s %9s %9s %7s %8s %7s\n' "measure" "per s" "p50 ms" "p99 ms" "errors" "srv CPU" "others"
printf '%-34s %10s %9s %9s %7s %8s %7s\n' "full login flows ($LOGIN_WORKERS browsers, ${LOGIN_SECONDS}s)" \
  "$LOGIN_FPS" "$LOGIN_P50" "$LOGIN_P99" "$LOGIN_ERR" "$LOGIN_CPU%" "$LOGIN_OTHERS%"
printf '%-34s %10s %9s %9s %7s %8s %7s\n' "refresh rotations (-t$REFRESH_CONNS -c$REFRESH_CONNS, $DURATION)" \
  "$REFRESH_RPS" "$REFRESH_P50" "$REFRESH_P99" "$REFRESH_ERR" "$REFRESH_CPU%" "$REFRESH_OTHERS%"
echo
echo "memory: VmRSS idle $(mb "$IDLE_RSS_KB") MB, VmHWM peak $(mb "$PEAK_HWM_KB") MB (MB = 10^6 bytes)"
echo "srv CPU = node's user + system time as a share of one core; others = other processes on the server's core."

if ((REFRESH_ERR + LOGIN_ERR > 0)); then
  echo "bench/panva: $((REFRESH_ERR + LOGIN_ERR)) failed requests or flows; the numbers are not valid" >&2
  exit 3
fi
