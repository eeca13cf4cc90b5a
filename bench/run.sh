#!/usr/bin/env bash
# trohet load benchmark: builds the release binary, starts it on SQLite in a temporary
# data directory, and drives it with wrk (a real HTTP load generator) on 127.0.0.1.
#
# Usage:
#   bench/run.sh [--no-build]          (from any directory)
#
# Environment (all optional):
#   DURATION=8s      length of each measured wrk run
#   WARMUP=2s        length of the unmeasured wrk run before each measured one
#   CONNECTIONS=32   wrk connections for every endpoint except refresh_token
#   REFRESH_CONNS=16 wrk threads = connections = independent grants for refresh_token
#   SERVER_CPU=0     CPU the server is pinned to (taskset -c)
#   LOAD_CPU=1       CPU wrk is pinned to (taskset -c)
#
# Measures requests/s and p50/p99 latency for discovery, JWKS, token (client_credentials),
# token (refresh_token), userinfo, introspection, permission checks and person search over
# 100,000 persons, full login flows/s, `trohet audit verify` over 1,000,000 events, and
# the server's resident memory (VmRSS idle, VmHWM peak after the load). Prints a table with targets and PASS/MISS and
# writes it as markdown to bench/results/latest.md. See bench/README.md.
#
# Exit status: 0 whether targets are met or missed; 1 if something failed to run; 3 if a
# measured run saw non-2xx responses or socket errors (the numbers are then meaningless).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BENCH="$ROOT/bench"
BIN="$ROOT/target/release/trohet"

DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-32}
REFRESH_CONNS=${REFRESH_CONNS:-16}
LOGIN_WORKERS=${LOGIN_WORKERS:-8}
LOGIN_SECONDS=${LOGIN_SECONDS:-10}
AUDIT_EVENTS=${AUDIT_EVENTS:-1000000}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 1 ;;
  esac
done

REDIRECT_URI="http://127.0.0.1:1/cb"
PASSWORD="bench-password-2026"
EMAIL="bench@example.com"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------------------
apt_install() {
  command -v apt-get >/dev/null || die "$1 is missing and apt-get is not available"
  say "installing $1 with apt-get"
  apt-get install -y "$1" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$1" >/dev/null; } \
    || die "cannot install $1"
}
command -v wrk >/dev/null || apt_install wrk
command -v jq >/dev/null || apt_install jq
for tool in cargo curl taskset base64 awk; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

# --- build -------------------------------------------------------------------------------
if [[ $BUILD == 1 ]]; then
  say "cargo build --release"
  cargo build --release --quiet
fi
[[ -x $BIN ]] || die "$BIN does not exist (run without --no-build)"

# --- temporary state and cleanup ---------------------------------------------------------
WORK=$(mktemp -d -t trohet-bench.XXXXXX)
DATA="$WORK/data"
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
trap 'echo "bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

cli() { "$BIN" --data-dir "$DATA" --policies-dir "$ROOT/policies" --json "$@"; }

# --- data: a customer account, a person, a confidential client ---------------------------
say "preparing a SQLite database in $DATA"
mkdir -p "$DATA"
cli migrate >/dev/null
CUSTOMER=$(cli customer add --name "Bench AB" | jq -er .id)
PERSON=$(echo "$PASSWORD" | cli person add --email "$EMAIL" --name Bench --customer "$CUSTOMER" \
  --role member --password-stdin | jq -er .id)
# The bench person has decided on every purpose, so logins go straight through (an
# undecided person meets the page that asks, once per browser session).
for purpose in $(cli purposes check | jq -er '.purposes[] | select(.legal_basis == "consent") | .id'); do
  cli consent record --person "$PERSON" --purpose "$purpose" --decision refused \
    --method staff --note "bench setup" >/dev/null
done
OPS_JSON=$(cli client add --name ops --grant-type client_credentials --role admin)
OPS_BASIC=$(printf '%s:%s' "$(jq -er .client_id <<<"$OPS_JSON")" "$(jq -er .client_secret <<<"$OPS_JSON")" | base64 -w0)
PERSONS=${PERSONS:-100000}
say "adding $PERSONS persons for the search benchmark"
python3 "$BENCH/seed_persons.py" "$DATA/trohet.db" "$PERSONS"
# First-party (the portal owner's own app): no OAuth consent page, as in panva's run.
CLIENT_JSON=$(cli client add --name bench --first-party --redirect-uri "$REDIRECT_URI" \
  --grant-type authorization_code --grant-type refresh_token --grant-type client_credentials)
CLIENT_ID=$(jq -er .client_id <<<"$CLIENT_JSON")
CLIENT_SECRET=$(jq -er .client_secret <<<"$CLIENT_JSON")
urlencode() { jq -rn --arg v "$1" '$v|@uri'; }
BASIC=$(printf '%s:%s' "$(urlencode "$CLIENT_ID")" "$(urlencode "$CLIENT_SECRET")" | base64 -w0)

# --- server ------------------------------------------------------------------------------
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  die "no free port found"
}
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
say "starting the server on $BASE pinned to CPU $SERVER_CPU"
taskset -c "$SERVER_CPU" "$BIN" --data-dir "$DATA" --policies-dir "$ROOT/policies" \
  serve --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  curl -sf -o /dev/null "$BASE/.well-known/openid-configuration" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited"; }
  sleep 0.1
done
curl -sf -o /dev/null "$BASE/.well-known/openid-configuration" || die "the server did not come up"

mem_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
sleep 1
IDLE_RSS_KB=$(mem_kb "$SERVER_PID" VmRSS)

# --- a real login, then authorization codes exchanged for tokens -------------------------
JAR="$WORK/cookies"
AUTHORIZE="$BASE/authorize?response_type=code&client_id=$(urlencode "$CLIENT_ID")&redirect_uri=$(urlencode "$REDIRECT_URI")&scope=openid%20profile%20email%20offline_access%20customer%20roles&state=s&nonce=n"

# Follows the browser flow from /authorize until the redirect to the client; logs in when
# asked. Prints the authorization code.
authorization_code() {
  local url=$AUTHORIZE status next csrf auth step
  for step in $(seq 10); do
    read -r status next < <(curl -s -o "$WORK/page" -b "$JAR" -c "$JAR" -w '%{http_code} %{redirect_url}\n' "$url")
    if [[ $status == 200 && $url == "$BASE/login"* ]]; then
      csrf=$(grep -o 'name="csrf" value="[^"]*"' "$WORK/page" | sed 's/.*value="//; s/"$//' | head -1)
      auth=$(grep -o 'name="auth" value="[^"]*"' "$WORK/page" | sed 's/.*value="//; s/"$//' | head -1)
      [[ -n $csrf && -n $auth ]] || die "no csrf/auth fields on the login page"
      read -r status next < <(curl -s -o "$WORK/page" -b "$JAR" -c "$JAR" -w '%{http_code} %{redirect_url}\n' \
        --data-urlencode "csrf=$csrf" --data-urlencode "auth=$auth" \
        --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" "$BASE/login")
    fi
    [[ $status == 30[0-9] ]] || die "the login flow stopped at $url with HTTP $status: $(head -c 300 "$WORK/page")"
    if [[ $next == "$REDIRECT_URI"* ]]; then
      [[ $next == *"code="* ]] || die "the authorization failed: $next"
      sed 's/.*[?&]code=\([^&]*\).*/\1/' <<<"$next"
      return
    fi
    url=$next
  done
  die "the login flow did not finish"
}

# Prints the token response JSON for a fresh authorization code.
user_tokens() {
  local code
  code=$(authorization_code)
  curl -sf -H "Authorization: Basic $BASIC" --data-urlencode grant_type=authorization_code \
    --data-urlencode "code=$code" --data-urlencode "redirect_uri=$REDIRECT_URI" "$BASE/token" \
    || die "the code exchange failed"
}

say "logging in once and running $((2 * REFRESH_CONNS + 1)) authorization code flows"
TOKENS=$(user_tokens)
ACCESS_TOKEN=$(jq -er .access_token <<<"$TOKENS")
: >"$WORK/refresh-warmup"
: >"$WORK/refresh-measured"
for _ in $(seq "$REFRESH_CONNS"); do
  user_tokens | jq -er .refresh_token >>"$WORK/refresh-warmup"
  user_tokens | jq -er .refresh_token >>"$WORK/refresh-measured"
done
SETUP_RSS_KB=$(mem_kb "$SERVER_PID" VmRSS)

# --- sanity checks: every benchmarked request succeeds once with the expected answer -----
check() { # name, jq filter on the body, curl args...
  local name=$1 filter=$2 status
  shift 2
  status=$(curl -s -o "$WORK/check" -w '%{http_code}' "$@")
  [[ $status == 200 ]] || die "$name answered HTTP $status: $(head -c 300 "$WORK/check")"
  jq -e "$filter" "$WORK/check" >/dev/null || die "$name answered unexpectedly: $(head -c 300 "$WORK/check")"
}
check discovery '.issuer != null' "$BASE/.well-known/openid-configuration"
check jwks '.keys | length > 0' "$BASE/jwks"
check client_credentials '.access_token != null' -H "Authorization: Basic $BASIC" \
  -d grant_type=client_credentials "$BASE/token"
SPARE_REFRESH=$(user_tokens | jq -er .refresh_token)
check refresh_token '.refresh_token != null' -H "Authorization: Basic $BASIC" \
  -d grant_type=refresh_token --data-urlencode "refresh_token=$SPARE_REFRESH" "$BASE/token"
check userinfo '.sub != null' -H "Authorization: Bearer $ACCESS_TOKEN" "$BASE/userinfo"
check introspection '.active == true' -H "Authorization: Basic $BASIC" \
  --data-urlencode "token=$ACCESS_TOKEN" "$BASE/introspect"

# --- load --------------------------------------------------------------------------------
# wrk prints latencies as 512.00us / 1.20ms / 2.00s; convert to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

# The server's user + system CPU time, in clock ticks (fields 14 and 15 of /proc/PID/stat).
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
# Busy ticks of the server's core, whoever used them (user nice system irq softirq steal).
core_busy_ticks() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

RESULTS=()   # name|rps|p50|p99|errors|target|server cpu %|others on the server's core %|load core busy %|note
BAD_RUNS=0
WARMUP_ENV=()   # extra environment for the warm-up run only
bench() { # name, target req/s, note, wrk args...
  local name=$1 target=$2 note=$3 out rps p50 p99 non2xx sockerr errors
  shift 3
  say "$name: warm-up $WARMUP, then $DURATION"
  env "${WARMUP_ENV[@]}" taskset -c "$LOAD_CPU" wrk -d "$WARMUP" "$@" >/dev/null
  local ticks0 busy0 load0 t0 cpu others loadcore
  ticks0=$(cpu_ticks)
  busy0=$(core_busy_ticks "$SERVER_CPU")
  load0=$(core_busy_ticks "$LOAD_CPU")
  t0=$EPOCHREALTIME
  out=$(taskset -c "$LOAD_CPU" wrk -d "$DURATION" --latency "$@")
  read -r cpu others loadcore < <(awk -v a="$ticks0" -v b="$(cpu_ticks)" \
    -v c="$busy0" -v d="$(core_busy_ticks "$SERVER_CPU")" -v e="$load0" -v f="$(core_busy_ticks "$LOAD_CPU")" \
    -v t0="$t0" -v t1="$EPOCHREALTIME" -v hz="$CLK_TCK" 'BEGIN {
      s = hz * (t1 - t0); o = (d - c) - (b - a); if (o < 0) o = 0
      printf "%d %d %d\n", 100 * (b - a) / s, 100 * o / s, 100 * (f - e) / s }')
  printf '%s\n' "$out" >"$WORK/wrk-$name.txt"
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  [[ -n $rps && -n $p50 && -n $p99 ]] || { printf '%s\n' "$out" >&2; die "cannot read wrk's output for $name"; }
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
  sockerr=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' <<<"$out")
  errors=$(( ${non2xx:-0} + ${sockerr:-0} ))
  if grep -q 'responses without a refresh_token' <<<"$out"; then
    errors=$((errors + $(awk '/responses without a refresh_token/ { print $2 }' <<<"$out")))
  fi
  if ((errors > 0)); then
    BAD_RUNS=$((BAD_RUNS + 1))
    printf '%s\n' "$out" >&2
  fi
  RESULTS+=("$name|$rps|$(to_ms "$p50")|$(to_ms "$p99")|$errors|$target|$cpu|$others|$loadcore|$note")
}

URL_DISCOVERY="$BASE/.well-known/openid-configuration"
bench discovery 40000 "" -t1 -c"$CONNECTIONS" "$URL_DISCOVERY"
bench jwks 40000 "" -t1 -c"$CONNECTIONS" "$BASE/jwks"

export BENCH_BASIC=$BASIC
export BENCH_BODY="grant_type=client_credentials"
bench token_client_credentials 10000 "" -t1 -c"$CONNECTIONS" -s "$BENCH/post_form.lua" "$BASE/token"

# Each wrk thread owns one grant and one connection (see refresh.lua); the warm-up uses
# other grants than the measurement because it leaves its tokens rotated.
export BENCH_REFRESH_FILE="$WORK/refresh-measured"
WARMUP_ENV=(BENCH_REFRESH_FILE="$WORK/refresh-warmup")
bench token_refresh_token "" "$REFRESH_CONNS grants, -t$REFRESH_CONNS -c$REFRESH_CONNS" \
  -t"$REFRESH_CONNS" -c"$REFRESH_CONNS" -s "$BENCH/refresh.lua" "$BASE/token"
WARMUP_ENV=()

# Access tokens live 5 minutes by default; take a fresh one for the last two endpoints.
ACCESS_TOKEN=$(user_tokens | jq -er .access_token)
bench userinfo 15000 "" -t1 -c"$CONNECTIONS" -H "Authorization: Bearer $ACCESS_TOKEN" "$BASE/userinfo"

export BENCH_BODY="token=$ACCESS_TOKEN"
bench introspection 15000 "token = access token (JWT)" \
  -t1 -c"$CONNECTIONS" -s "$BENCH/post_form.lua" "$BASE/introspect"

# --- administration ------------------------------------------------------------------
export BENCH_JSON="{\"sub\": \"$PERSON\", \"customer_id\": \"$CUSTOMER\", \"permission\": \"news.read\"}"
check permission_check '.allowed == true' -H "Authorization: Basic $BASIC" \
  -H 'Content-Type: application/json' -d "$BENCH_JSON" "$BASE/api/v1/permissions/check"
bench permission_check 20000 "allowed, by role" -t1 -c"$CONNECTIONS" -s "$BENCH/post_json.lua" \
  "$BASE/api/v1/permissions/check"

BENCH_TOKEN=$(curl -sf -H "Authorization: Basic $OPS_BASIC" -d grant_type=client_credentials \
  "$BASE/token" | jq -er .access_token)
export BENCH_TOKEN
check person_search '.items | length == 50' -H "Authorization: Bearer $BENCH_TOKEN" \
  "$BASE/api/v1/persons?limit=50&q=an"
# One admin typing (latency), then many at once (throughput).
bench person_search "" "$PERSONS persons, 2-4 letter prefixes, 50 per page, 1 connection" \
  -t1 -c1 -s "$BENCH/search.lua" "$BASE"
bench person_search_busy "" "the same with $CONNECTIONS connections" \
  -t1 -c"$CONNECTIONS" -s "$BENCH/search.lua" "$BASE"

# --- consent -----------------------------------------------------------------------------
# A back-end gating its processing: one person's current decisions (consent:read).
READER_JSON=$(cli client add --name consent-reader --grant-type client_credentials --scope consent:read)
READER_BASIC=$(printf '%s:%s' "$(jq -er .client_id <<<"$READER_JSON")" "$(jq -er .client_secret <<<"$READER_JSON")" | base64 -w0)
READER_TOKEN=$(curl -sf -H "Authorization: Basic $READER_BASIC" -d grant_type=client_credentials \
  -d scope=consent:read "$BASE/token" | jq -er .access_token)
check consent_status '.purposes | length == 4' -H "Authorization: Bearer $READER_TOKEN" \
  "$BASE/api/v1/consents/$PERSON"
bench consent_status 20000 "GET /api/v1/consents/{sub}" -t1 -c"$CONNECTIONS" \
  -H "Authorization: Bearer $READER_TOKEN" "$BASE/api/v1/consents/$PERSON"

# Decisions recorded by staff (a DPO's back-end), each a ledger row and its audit event in
# one durable commit; they pile up on a second person, whose history is then rendered.
LEDGER_EMAIL="ledger-$EMAIL"
LEDGER_PERSON=$(echo "$PASSWORD" | cli person add --email "$LEDGER_EMAIL" --name Ledger \
  --customer "$CUSTOMER" --role member --password-stdin | jq -er .id)
DPO_JSON=$(cli client add --name dpo --grant-type client_credentials --role dpo)
DPO_BASIC=$(printf '%s:%s' "$(jq -er .client_id <<<"$DPO_JSON")" "$(jq -er .client_secret <<<"$DPO_JSON")" | base64 -w0)
DPO_TOKEN=$(curl -sf -H "Authorization: Basic $DPO_BASIC" -d grant_type=client_credentials \
  "$BASE/token" | jq -er .access_token)
export BENCH_BEARER=$DPO_TOKEN
export BENCH_JSON='{"purpose": "satisfaction-surveys", "decision": "granted", "note": "bench", "language": "en"}'
bench consent_record "" "POST /api/v1/persons/{id}/consents, durable" -t1 -c"$CONNECTIONS" \
  -s "$BENCH/post_bearer.lua" "$BASE/api/v1/persons/$LEDGER_PERSON/consents"
check ledger_history '.history | length == 1000' -H "Authorization: Bearer $DPO_TOKEN" \
  "$BASE/api/v1/persons/$LEDGER_PERSON/consents"
bench ledger_history_api "" "1,000 entries as JSON, 1 connection" -t1 -c1 \
  -H "Authorization: Bearer $DPO_TOKEN" "$BASE/api/v1/persons/$LEDGER_PERSON/consents"
LEDGER_COOKIE=$(python3 "$BENCH/session_cookie.py" "$BASE" "$LEDGER_EMAIL" "$PASSWORD")
bench ledger_history_page "" "/account/privacy with 1,000 entries, 1 connection" -t1 -c1 \
  -H "Cookie: $LEDGER_COOKIE" "$BASE/account/privacy"

say "login flows: $LOGIN_WORKERS browsers for $LOGIN_SECONDS s"
LOGIN_JSON=$(taskset -c "$LOAD_CPU" python3 "$BENCH/login_flows.py" "$BASE" "$CLIENT_ID" \
  "$CLIENT_SECRET" "$REDIRECT_URI" "$EMAIL" "$PASSWORD" "$LOGIN_WORKERS" "$LOGIN_SECONDS")
jq -e '.errors == 0 and .flows > 0' <<<"$LOGIN_JSON" >/dev/null || die "login flows failed: $LOGIN_JSON"

LOADED_RSS_KB=$(mem_kb "$SERVER_PID" VmRSS)
PEAK_HWM_KB=$(mem_kb "$SERVER_PID" VmHWM)
kill -0 "$SERVER_PID" 2>/dev/null || die "the server died during the benchmark"

# --- audit verify over a long log, on its own database --------------------------------
AUDIT_DATA="$WORK/audit"
mkdir -p "$AUDIT_DATA"
"$BIN" --data-dir "$AUDIT_DATA" --policies-dir "$ROOT/policies" migrate >/dev/null
say "writing $AUDIT_EVENTS audit events"
python3 "$BENCH/audit_events.py" "$AUDIT_DATA/trohet.db" "$AUDIT_EVENTS"
VERIFY_TIMES=()
for _ in 1 2 3; do
  t0=$EPOCHREALTIME
  taskset -c "$SERVER_CPU" "$BIN" --data-dir "$AUDIT_DATA" --policies-dir "$ROOT/policies" \
    audit verify >/dev/null || die "audit verify failed"
  VERIFY_TIMES+=("$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')")
done
VERIFY_SECS=$(printf '%s\n' "${VERIFY_TIMES[@]}" | sort -n | sed -n 2p)

# --- report ------------------------------------------------------------------------------
CPU_MODEL=$(lscpu | awk -F: '/^Model name/ && !seen { sub(/^[ \t]+/, "", $2); print $2; seen = 1 }')
CPUS=$(nproc --all)
KERNEL=$(uname -r)
WRK_VERSION=$( (wrk --version 2>&1 || true) | awk 'NR == 1 { print $2 }')
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null || true)
if [[ -n $DIRTY ]]; then COMMIT="$COMMIT (with uncommitted changes)"; fi
LOAD_AVG=$(cut -d' ' -f1-3 /proc/loadavg)

mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1000000 }'; }
verdict_rps() { # rps target errors
  if (($3 > 0)); then echo "INVALID"; elif [[ -z $2 ]]; then echo "-"; else
    awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "PASS" : "MISS") }'; fi
}
verdict_mem() { awk -v m="$1" -v t="$2" 'BEGIN { print (m <= t ? "PASS" : "MISS") }'; }
fmt_int() {
  awk -v n="$1" 'BEGIN { s = sprintf("%d", n + 0.5); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    print s r }'
}

MACHINE="$CPU_MODEL, $CPUS CPUs, Linux $KERNEL"
SETUP_LINE="trohet $COMMIT, release build, SQLite; server on CPU $SERVER_CPU, wrk $WRK_VERSION on CPU $LOAD_CPU; $DURATION per endpoint after a $WARMUP warm-up; $CONNECTIONS connections (-t1) unless noted; load average at the end: $LOAD_AVG"

TABLE_TEXT=$(
  printf '%-26s %10s %10s %9s %9s %7s %8s %7s %9s %8s  %s\n' "endpoint" "req/s" "target" "p50 ms" "p99 ms" "errors" "srv CPU" "others" "load core" "result" "note"
  for row in "${RESULTS[@]}"; do
    IFS='|' read -r name rps p50 p99 errors target cpu others loadcore note <<<"$row"
    t="-"; [[ -n $target ]] && t=">= $(fmt_int "$target")"
    printf '%-26s %10s %10s %9s %9s %7s %8s %7s %9s %8s  %s\n' "$name" "$(fmt_int "$rps")" "$t" "$p50" "$p99" "$errors" \
      "$cpu%" "$others%" "$loadcore%" "$(verdict_rps "$rps" "$target" "$errors")" "$note"
  done
  printf '%-26s %10s %10s %9s %9s %7s %8s %7s %9s %8s  %s\n' "memory idle (VmRSS)" "$(mb "$IDLE_RSS_KB") MB" "<= 25 MB" "" "" "" "" "" "" \
    "$(verdict_mem "$(mb "$IDLE_RSS_KB")" 25)" "fresh start, before any request"
  printf '%-26s %10s %10s %9s %9s %7s %8s %7s %9s %8s  %s\n' "memory after setup (VmRSS)" "$(mb "$SETUP_RSS_KB") MB" "-" "" "" "" "" "" "" "-" \
    "after $((2 * REFRESH_CONNS + 1)) code flows (1 Argon2 login)"
  printf '%-26s %10s %10s %9s %9s %7s %8s %7s %9s %8s  %s\n' "memory under load (VmHWM)" "$(mb "$PEAK_HWM_KB") MB" "<= 150 MB" "" "" "" "" "" "" \
    "$(verdict_mem "$(mb "$PEAK_HWM_KB")" 150)" "peak over the whole run; VmRSS after load $(mb "$LOADED_RSS_KB") MB"
)

# The administration figures beside their targets, and login and refresh beside the
# previous release's on the same machine (PREVIOUS_LOGIN, PREVIOUS_REFRESH: "flows/s, p50"
# as measured with that release; see bench/README.md).
PREVIOUS_LOGIN=${PREVIOUS_LOGIN:--}
PREVIOUS_REFRESH=${PREVIOUS_REFRESH:--}
row_of() { for row in "${RESULTS[@]}"; do [[ $row == "$1|"* ]] && { echo "$row"; return; }; done; }
IFS='|' read -r _ PERM_RPS _ _ PERM_ERR _ <<<"$(row_of permission_check)"
IFS='|' read -r _ _ SEARCH_P50 SEARCH_P99 SEARCH_ERR _ <<<"$(row_of person_search)"
IFS='|' read -r _ SEARCH_RPS _ _ _ _ <<<"$(row_of person_search_busy)"
IFS='|' read -r _ REFRESH_RPS REFRESH_P50 _ _ _ <<<"$(row_of token_refresh_token)"
IFS='|' read -r _ CONSENT_RPS _ _ CONSENT_ERR _ <<<"$(row_of consent_status)"
IFS='|' read -r _ RECORD_RPS RECORD_P50 _ _ _ <<<"$(row_of consent_record)"
IFS='|' read -r _ _ HISTORY_API_P50 _ _ _ <<<"$(row_of ledger_history_api)"
IFS='|' read -r _ _ HISTORY_PAGE_P50 _ _ _ <<<"$(row_of ledger_history_page)"
LOGIN_FPS=$(jq -r .flows_per_sec <<<"$LOGIN_JSON")
LOGIN_P50=$(jq -r .p50_ms <<<"$LOGIN_JSON")
below() { awk -v v="$1" -v t="$2" 'BEGIN { print (v < t ? "PASS" : "MISS") }'; }
ADMIN_ROWS=(
  "permission checks/s|$(fmt_int "$PERM_RPS")|>= 20,000|$(verdict_rps "$PERM_RPS" 20000 "$PERM_ERR")|-"
  "person search p50, p99 ($PERSONS persons)|$SEARCH_P50 ms, $SEARCH_P99 ms|< 10 ms|$( ((SEARCH_ERR > 0)) && echo INVALID || below "$SEARCH_P50" 10)|-"
  "person searches/s ($CONNECTIONS connections)|$(fmt_int "$SEARCH_RPS")|-|-|-"
  "audit verify, $(fmt_int "$AUDIT_EVENTS") events|$VERIFY_SECS s|< 5 s|$(below "$VERIFY_SECS" 5)|-"
  "full login flows/s ($LOGIN_WORKERS browsers), p50|$LOGIN_FPS, $LOGIN_P50 ms|-|-|$PREVIOUS_LOGIN"
  "refresh rotations/s, p50|$(fmt_int "$REFRESH_RPS"), $REFRESH_P50 ms|-|-|$PREVIOUS_REFRESH"
  "consent status reads/s|$(fmt_int "$CONSENT_RPS")|>= 20,000|$(verdict_rps "$CONSENT_RPS" 20000 "$CONSENT_ERR")|-"
  "decisions recorded/s (durable), p50|$(fmt_int "$RECORD_RPS"), $RECORD_P50 ms|-|-|-"
  "ledger of 1,000 entries: JSON p50, page p50|$HISTORY_API_P50 ms, $HISTORY_PAGE_P50 ms|< 20 ms|$(below "$HISTORY_PAGE_P50" 20)|-"
)
ADMIN_TEXT=$(
  printf '%-40s %18s %11s %8s  %s\n' "administration" "measured" "target" "result" "previous run"
  for row in "${ADMIN_ROWS[@]}"; do
    IFS='|' read -r what value target verdict previous <<<"$row"
    printf '%-40s %18s %11s %8s  %s\n' "$what" "$value" "$target" "$verdict" "$previous"
  done
)

BUSY_ROWS=""
LOADGEN_ROWS=""
for row in "${RESULTS[@]}"; do
  IFS='|' read -r name _ _ _ _ _ cpu others loadcore _ <<<"$row"
  if ((others >= 10)); then BUSY_ROWS+=" $name ($others%)"; fi
  if ((loadcore >= 90 && cpu + others < 90)); then LOADGEN_ROWS+=" $name"; fi
done
WARNING=""
if [[ -n $BUSY_ROWS ]]; then
  WARNING="warning: other processes took CPU time on the server's core during:$BUSY_ROWS; those rows understate trohet, rerun on a quiet machine."
fi
if [[ -n $LOADGEN_ROWS ]]; then
  [[ -z $WARNING ]] || WARNING+=$'\n'
  WARNING+="warning: the load generator's core was saturated while the server had idle time during:$LOADGEN_ROWS; those rows measure the load generator."
fi

echo
echo "machine: $MACHINE"
echo "setup:   $SETUP_LINE"
echo
echo "$TABLE_TEXT"
echo
echo "$ADMIN_TEXT"
if [[ -n $WARNING ]]; then echo; echo "$WARNING"; fi

mkdir -p "$BENCH/results"
{
  echo "# trohet benchmark results"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "- machine: $MACHINE"
  echo "- setup: $SETUP_LINE"
  echo
  echo "| endpoint | req/s | target | p50 ms | p99 ms | errors | server CPU | others on its core | load core busy | result | note |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
  for row in "${RESULTS[@]}"; do
    IFS='|' read -r name rps p50 p99 errors target cpu others loadcore note <<<"$row"
    t="-"; [[ -n $target ]] && t="≥ $(fmt_int "$target")"
    echo "| $name | $(fmt_int "$rps") | $t | $p50 | $p99 | $errors | $cpu% | $others% | $loadcore% | $(verdict_rps "$rps" "$target" "$errors") | $note |"
  done
  echo
  echo "| memory | MB | target | result | note |"
  echo "|---|---:|---:|---|---|"
  echo "| idle (VmRSS) | $(mb "$IDLE_RSS_KB") | ≤ 25 | $(verdict_mem "$(mb "$IDLE_RSS_KB")" 25) | fresh start, before any request |"
  echo "| after setup (VmRSS) | $(mb "$SETUP_RSS_KB") | - | - | after $((2 * REFRESH_CONNS + 1)) code flows (1 Argon2 login) |"
  echo "| under load (VmHWM) | $(mb "$PEAK_HWM_KB") | ≤ 150 | $(verdict_mem "$(mb "$PEAK_HWM_KB")" 150) | peak over the whole run; VmRSS after load $(mb "$LOADED_RSS_KB") |"
  echo
  echo "| administration | measured | target | result | previous run |"
  echo "|---|---:|---:|---|---:|"
  for row in "${ADMIN_ROWS[@]}"; do
    IFS='|' read -r what value target verdict previous <<<"$row"
    echo "| $what | $value | ${target/>=/≥} | $verdict | $previous |"
  done
  echo
  echo "MB = 10^6 bytes. errors = non-2xx responses + socket errors; a run with errors is INVALID."
  echo "server CPU = the server's user + system CPU time during the measured run, as a share of one core;"
  echo "well below 100% means something else (the load generator, other processes on the core) limited the run."
  echo "others on its core = CPU time other processes used on the server's core during the run (should be ~0%)."
  echo "load core busy = how busy the load generator's core was (wrk and anything else there); near 100% with"
  echo "the server well below 100% means the load generator, not trohet, set the pace."
  if [[ -n $WARNING ]]; then echo; sed 's/.*/**&**\n/' <<<"$WARNING"; fi
} >"$BENCH/results/latest.md"
echo
echo "written to bench/results/latest.md"

if ((BAD_RUNS > 0)); then
  echo "bench: $BAD_RUNS run(s) saw non-2xx responses or socket errors; their numbers are not valid" >&2
  exit 3
fi
