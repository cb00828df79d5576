#!/usr/bin/env bash
# make bench (full run, by hand) and make bench-smoke (a few seconds, part of make test):
#   tools/bench/bench.sh full|smoke
# Measures, on 127.0.0.1 only, the bare backend, nginx, HAProxy, Caddy and gatewayd side by side with the
# same load, then gatewayd's idle connections and route-table scale, then the control plane (terraform
# apply/plan/destroy with the built provider, stage update to first request, admin write latency).
# Prints a markdown table and writes it to tools/bench/results/<mode>-<time>/results.md (git-ignored).
# Smoke mode never installs anything and skips rows whose tool is missing; it exits non-zero when any
# path that ran failed (non-2xx answers, socket errors, setup or terraform errors).
# The servers take ports free on 127.0.0.1 (BENCH_PORT_BASE=N uses N+1..N+18 instead); BENCH_THREADS, BENCH_CONNS, BENCH_DURATION and
# BENCH_WARMUP change the full run's load; BENCH_SKIP="wrk nginx" acts as if those were not installed.
# The --redis and cluster rows need redis-server (and initdb + pg_ctl); BENCH_SKIP="redis-server initdb" skips them.
set -euo pipefail
cd "$(dirname "$0")/../.."
# terraform warns on every command when its CLI configuration file is missing: use the repo's.
[ -f "${TF_CLI_CONFIG_FILE:-}" ] || export TF_CLI_CONFIG_FILE=$PWD/tools/terraformrc

mode=${1:-full}
case $mode in
full)
  threads=${BENCH_THREADS:-2} conns=${BENCH_CONNS:-64} dur=${BENCH_DURATION:-8s} warm=${BENCH_WARMUP:-3s}
  routes_big=10000 idle_n=10000 tf_sizes="100 1000" stage_n=20 admin_n=1000
  rate_rounds=5 rate_d=4s
  scale_big=5000 scale_writes=100
  ;;
smoke)
  threads=2 conns=16 dur=1s warm=0s
  routes_big=200 idle_n=100 tf_sizes="10" stage_n=3 admin_n=30
  rate_rounds=1 rate_d=1s
  scale_big=50 scale_writes=3
  ;;
*) echo "usage: $0 full|smoke" >&2; exit 2 ;;
esac

version=0.1.0

results=tools/bench/results
run=$PWD/$results/$mode-$(date +%Y%m%d-%H%M%S)
bin=$PWD/$results/bin
mkdir -p "$run" "$bin"
tsv=$run/results.tsv md=$run/results.md
: >"$tsv"
failed=0

pids=()
stops=() # commands that stop what is not one of pids (PostgreSQL under pg_ctl), run first at exit
cleanup() {
  local p s
  for s in "${stops[@]}"; do eval "$s" >/dev/null 2>&1 || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '== %s\n' "$*" >&2; }
# BENCH_SKIP="wrk nginx ..." acts as if those tools were not installed (to try the fallbacks).
have() { [[ " ${BENCH_SKIP:-} " != *" $1 "* ]] && command -v "$1" >/dev/null 2>&1; }
# row NAME RPS P50 P99 ERRORS RSS TIME NOTE
row() { local IFS=$'\t'; printf '%s\n' "$*" >>"$tsv"; }
fail() { # fail NAME WHY: a path that should have worked did not
  say "FAILED $1: $2"
  row "$1" "" "" "" "" "" "" "FAILED: $2"
  failed=1
}
now_ns() { date +%s%N; }
secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# rss PID...: summed VmRSS in kB of the processes and their direct children (nginx's workers).
rss() {
  local total=0 p kb
  local all=("$@")
  for p in "$@"; do
    all+=($(awk -v p="$p" '$4 == p { split(FILENAME, a, "/"); print a[3] }' /proc/[0-9]*/stat 2>/dev/null || true))
  done
  for p in "${all[@]}"; do
    kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# start NAME CMD...: runs CMD in the background with its output in $run/NAME.log; sets $last_pid.
start() {
  local name=$1; shift
  "$@" >"$run/$name.log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
}

# --- tools ---------------------------------------------------------------------------------------
if [ "$mode" = full ]; then
  missing=()
  for t in wrk nginx haproxy caddy; do have "$t" || missing+=("$t"); done
  if [ ${#missing[@]} -gt 0 ]; then
    if have apt-get && [ "$(id -u)" = 0 ]; then
      say "installing ${missing[*]} from Debian's packages"
      apt-get update -qq >"$run/apt.log" 2>&1 || say "apt-get update failed (see $run/apt.log)"
      for t in "${missing[@]}"; do
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$t" >>"$run/apt.log" 2>&1 || say "could not install $t"
      done
    else
      say "not installing ${missing[*]}: apt-get is unavailable or not root"
    fi
  fi
fi
PATH=$PATH:/usr/sbin:/sbin
wrk_bin=$(have wrk && command -v wrk || true)
loadgen="wrk -t$threads -c$conns -d$dur (warm-up $warm)"
[ -n "$wrk_bin" ] || loadgen="Go load loop, $conns connections, $dur (warm-up $warm; wrk not installed)"

ver() { "$@" 2>&1 | head -n 1 | tr -d '\r' || true; }
{
  echo "# gatewayd benchmark ($mode)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM"
  echo "- uptime at start: $(uptime)"
  echo "- go: $(go env GOVERSION); terraform: $(have terraform && ver terraform version || echo missing)"
  echo "- nginx: $(have nginx && ver nginx -v || echo missing); haproxy: $(have haproxy && ver haproxy -v || echo missing)"
  echo "- caddy: $(have caddy && ver caddy version || echo missing); wrk: $([ -n "$wrk_bin" ] && ver wrk -v || echo missing)"
  echo "- load: $loadgen; access logs off everywhere but the proxy+access log row; all servers on 127.0.0.1"
} >"$run/header.md"

# --- build ---------------------------------------------------------------------------------------
say "building gatewayd, the provider and benchtool"
go build -trimpath -o "$bin/gatewayd" ./gatewayd/cmd/gatewayd
go build -trimpath -o "$bin/terraform-provider-gatewayd" .
(cd tools/bench && go build -trimpath -o "$bin/benchtool" ./benchtool)
bt=$bin/benchtool
if [ -n "${BENCH_PORT_BASE:-}" ]; then
  base=$BENCH_PORT_BASE
  ports=($((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)) $((base + 5)) $((base + 6)) $((base + 7)) $((base + 8)))
else
  mapfile -t ports < <("$bt" freeports 8)
fi
backend_port=${ports[0]} nginx_port=${ports[1]} haproxy_port=${ports[2]} caddy_port=${ports[3]}
gw_port=${ports[4]} admin_port=${ports[5]} gw_tls_port=${ports[6]} nginx_tls_port=${ports[7]}
# The https rows: gatewayd and nginx serve the same certificate (ECDSA P-256, for 127.0.0.1).
"$bt" selfsigned -cert "$run/tls.pem" -key "$run/tls-key.pem"

# --- servers -------------------------------------------------------------------------------------
start backend "$bt" backend -addr "127.0.0.1:$backend_port"
backend_pid=$last_pid
"$bt" check -url "http://127.0.0.1:$backend_port/items/1" -wait 10s

token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$token" >"$run/admin-token"
chmod 600 "$run/admin-token"
# The account-level throttle (default 10,000 rps) is raised so that it never refuses; it still runs.
GATEWAYD_ADMIN_TOKEN=$token GATEWAYD_ACCOUNT_RATE_LIMIT=1000000 GATEWAYD_ACCOUNT_BURST_LIMIT=1000000 start gatewayd "$bin/gatewayd" serve --data-dir "$run/gw-data" \
  --admin-addr "127.0.0.1:$admin_port" --listen "127.0.0.1:$gw_port" --log-level warn \
  --tls-listen "127.0.0.1:$gw_tls_port" --tls-cert-file "$run/tls.pem" --tls-key-file "$run/tls-key.pem"
gw_pid=$last_pid
admin=http://127.0.0.1:$admin_port
"$bt" check -url "$admin/healthz" -wait 15s || { cat "$run/gatewayd.log"; exit 1; }
# Another process on the port would have answered that check: make sure it was ours.
kill -0 "$gw_pid" 2>/dev/null || { echo "gatewayd exited:"; cat "$run/gatewayd.log"; exit 1; }
admin_flags=(-admin "$admin" -token-file "$run/admin-token")

# measure NAME URL PIDS NOTE [HEADER...]: loads URL and records the row; PIDS are the serving processes.
measure() {
  local name=$1 url=$2 procs=$3 note=${4:-} out rps p50 p99 errs reqs h
  shift 4 || shift $#
  say "$name: $url"
  local wrk_args=()
  [ -n "$wrk_bin" ] && wrk_args=(-wrk "$wrk_bin")
  for h in "$@"; do [ -n "$h" ] && wrk_args+=(-H "$h"); done
  if ! out=$("$bt" load -url "$url" "${wrk_args[@]}" -t "$threads" -c "$conns" -d "$dur" -warmup "$warm" 2>"$run/load-err.log"); then
    fail "$name" "load: $(head -c 300 "$run/load-err.log" | tr '\n\t' '  ')"
    return
  fi
  read -r rps p50 p99 errs reqs <<<"$out"
  last_reqs=$reqs
  # shellcheck disable=SC2086
  row "$name" "$rps" "$p50" "$p99" "$errs" "$(rss $procs)" "" "$note"
  if [ "$errs" != 0 ] && [ "$mode" = smoke ]; then
    say "FAILED $name: $errs errors of $reqs requests"
    failed=1
  fi
}

# --- data plane ----------------------------------------------------------------------------------
measure direct "http://127.0.0.1:$backend_port/items/1" "$backend_pid" "RSS: the Go backend"

if have nginx; then
  mkdir -p "$run/nginx"
  cat >"$run/nginx.conf" <<CONF
worker_processes auto;
pid $run/nginx/nginx.pid;
error_log $run/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $run/nginx/body;
  proxy_temp_path $run/nginx/proxy;
  fastcgi_temp_path $run/nginx/fastcgi;
  uwsgi_temp_path $run/nginx/uwsgi;
  scgi_temp_path $run/nginx/scgi;
  upstream backend { server 127.0.0.1:$backend_port; keepalive 128; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
  # The https rows: TLS 1.3 with AES-128-GCM, the suite gatewayd (Go) picks for wrk's OpenSSL.
  server {
    listen 127.0.0.1:$nginx_tls_port ssl;
    ssl_certificate $run/tls.pem;
    ssl_certificate_key $run/tls-key.pem;
    ssl_protocols TLSv1.3;
    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
  start nginx nginx -p "$run/nginx" -c "$run/nginx.conf" -g 'daemon off;'
  nginx_pid=$last_pid
  if "$bt" check -url "http://127.0.0.1:$nginx_port/items/1" -wait 10s; then
    measure nginx "http://127.0.0.1:$nginx_port/items/1" "$nginx_pid" "keep-alive upstream; RSS: master + workers"
    if "$bt" check -url "https://127.0.0.1:$nginx_tls_port/items/1" -wait 10s; then
      measure "nginx https" "https://127.0.0.1:$nginx_tls_port/items/1" "$nginx_pid" "TLS 1.3 AES-128-GCM, keep-alive"
      measure "nginx new TLS conns" "https://127.0.0.1:$nginx_tls_port/items/1" "$nginx_pid" \
        "a new connection and TLS 1.3 handshake per request (Connection: close): req/s = handshakes/s" "Connection: close"
    else
      fail "nginx https" "did not answer on https: $(tail -n 3 "$run/nginx/error.log" 2>/dev/null | tr '\n' ' ')"
    fi
  else
    fail nginx "did not start: $(tail -n 3 "$run/nginx.log" | tr '\n' ' ')"
  fi
  # nginx stays up, idle, for the half-load latency rows; stopped after them.
else
  row nginx "" "" "" "" "" "" "skipped: nginx not installed"
fi

if have haproxy; then
  cat >"$run/haproxy.cfg" <<CONF
global
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
  http-reuse always
frontend fe
  bind 127.0.0.1:$haproxy_port
  default_backend be
backend be
  server s1 127.0.0.1:$backend_port
CONF
  start haproxy haproxy -db -f "$run/haproxy.cfg"
  haproxy_pid=$last_pid
  if "$bt" check -url "http://127.0.0.1:$haproxy_port/items/1" -wait 10s; then
    measure haproxy "http://127.0.0.1:$haproxy_port/items/1" "$haproxy_pid" "http-reuse always"
  else
    fail haproxy "did not start: $(tail -n 3 "$run/haproxy.log" | tr '\n' ' ')"
  fi
  kill "$haproxy_pid" 2>/dev/null || true
else
  row haproxy "" "" "" "" "" "" "skipped: haproxy not installed"
fi

if have caddy; then
  cat >"$run/Caddyfile" <<CONF
{
  admin off
  auto_https off
}
http://127.0.0.1:$caddy_port {
  reverse_proxy 127.0.0.1:$backend_port
}
CONF
  XDG_DATA_HOME=$run/caddy XDG_CONFIG_HOME=$run/caddy start caddy caddy run --config "$run/Caddyfile" --adapter caddyfile
  caddy_pid=$last_pid
  if "$bt" check -url "http://127.0.0.1:$caddy_port/items/1" -wait 10s; then
    measure caddy "http://127.0.0.1:$caddy_port/items/1" "$caddy_pid" "reverse_proxy"
  else
    fail caddy "did not start: $(tail -n 3 "$run/caddy.log" | tr '\n' ' ')"
  fi
  kill "$caddy_pid" 2>/dev/null || true
else
  row caddy "" "" "" "" "" "" "skipped: caddy not installed"
fi

if proxy_url=$("$bt" setup "${admin_flags[@]}" -kind proxy -backend "127.0.0.1:$backend_port" 2>"$run/setup-proxy.log"); then
  measure "gatewayd proxy" "$proxy_url" "$gw_pid" "HTTP_PROXY"
  https_url="https://127.0.0.1:$gw_tls_port${proxy_url#http://127.0.0.1:$gw_port}"
  measure "gatewayd proxy https" "$https_url" "$gw_pid" "HTTP_PROXY over TLS 1.3 AES-128-GCM, keep-alive (target >= 0.7x nginx https)"
  measure "gatewayd new TLS conns" "$https_url" "$gw_pid" \
    "as nginx new TLS conns (target >= 0.5x nginx)" "Connection: close"
  # Added latency: the same fixed rate, half of the proxy's saturation rate, direct, through nginx (kept
  # running for this) and through gatewayd, in alternating rounds. A VM's neighbours move one p99 by
  # several ms, so the row takes each target's median p99 over the rounds.
  proxy_rps=$(awk -F'\t' '$1 == "gatewayd proxy" { print $2 }' "$tsv")
  if [ -n "$proxy_rps" ]; then
    half=$(awk -v r="$proxy_rps" 'BEGIN { printf "%d", r / 2 }')
    rate_targets=("direct http://127.0.0.1:$backend_port/items/1" "gatewayd $proxy_url")
    if [ -n "${nginx_pid:-}" ] && kill -0 "$nginx_pid" 2>/dev/null; then
      rate_targets+=("nginx http://127.0.0.1:$nginx_port/items/1")
    fi
    rate_ok=1
    : >"$run/rate.txt"
    for r in $(seq 1 "$rate_rounds"); do
      for t in "${rate_targets[@]}"; do
        if out=$("$bt" rate -url "${t#* }" -rps "$half" -d "$rate_d" 2>>"$run/load-err.log"); then
          echo "${t%% *} $out" >>"$run/rate.txt"
        else
          rate_ok=0
        fi
      done
    done
    # rate_median TARGET COLUMN: the median over the rounds (columns: target p50 p99 rps errors send_p50 send_p99).
    rate_median() { awk -v t="$1" -v c="$2" '$1 == t { print $c }' "$run/rate.txt" | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
    # rate_min TARGET COLUMN / rate_sum TARGET COLUMN over the rounds.
    rate_min() { awk -v t="$1" -v c="$2" '$1 == t { if (m == "" || $c < m) m = $c } END { print m }' "$run/rate.txt"; }
    rate_sum() { awk -v t="$1" -v c="$2" '$1 == t { s += $c } END { print s + 0 }' "$run/rate.txt"; }
    if [ "$rate_ok" = 1 ]; then
      d_p99=$(rate_median direct 3) g_p99=$(rate_median gatewayd 3) g_p50=$(rate_median gatewayd 2)
      d_sp99=$(rate_median direct 7) g_sp99=$(rate_median gatewayd 7)
      d_rps=$(rate_min direct 4) g_rps=$(rate_min gatewayd 4)
      errs=$(($(rate_sum direct 5) + $(rate_sum gatewayd 5)))
      added=$(awk -v g="$g_p99" -v d="$d_p99" 'BEGIN { printf "%.2f", g - d }')
      ngx=""
      if grep -q '^nginx ' "$run/rate.txt"; then
        n_p99=$(rate_median nginx 3)
        ngx="; nginx at the same rate: p99 $n_p99 ms, $(awk -v n="$n_p99" -v d="$d_p99" 'BEGIN { printf "%.2f", n - d }') ms added"
      fi
      # Below 97% of the rate, requests queued in the generator or the machine: not a latency figure.
      if awk -v g="$g_rps" -v d="$d_rps" -v h="$half" 'BEGIN { exit !(g >= 0.97 * h && d >= 0.97 * h) }'; then
        row "added p99 at half load" "$g_rps" "$g_p50" "$added" "$errs" "" "" \
          "P99 column: gatewayd p99 $g_p99 ms minus direct p99 $d_p99 ms, median of $rate_rounds rounds of $rate_d (direct, gatewayd, nginx in turn) at $half rps (open loop)$ngx; from the actual send: $g_sp99 and $d_sp99 ms"
      else
        row "added p99 at half load" "$g_rps" "$g_p50" "" "$errs" "" "" \
          "INVALID: the open-loop generator reached $g_rps (gatewayd) and $d_rps (direct) of $half rps; p99 $g_p99 and $d_p99 ms"
      fi
    else
      fail "added p99 at half load" "rate: $(tail -c 300 "$run/load-err.log" | tr '\n' ' ')"
    fi
  fi
else
  fail "gatewayd proxy" "setup: $(tail -n 3 "$run/setup-proxy.log" | tr '\n' ' ')"
fi
[ -n "${nginx_pid:-}" ] && kill "$nginx_pid" 2>/dev/null || true

# The proxy row with the stage's access log on: API Gateway's JSON preset to a log group file
# (target: at least 0.9x of gatewayd proxy). The note says how many lines reached the file.
if log_url=$("$bt" setup "${admin_flags[@]}" -kind proxylog -backend "127.0.0.1:$backend_port" 2>"$run/setup-proxylog.log"); then
  log_file=$run/gw-data/logs/bench.log
  lines_before=$(wc -l <"$log_file" 2>/dev/null || echo 0)
  last_reqs=0
  measure "gatewayd proxy+access log" "$log_url" "$gw_pid" "HTTP_PROXY, JSON access log to a file"
  sleep 1 # the writer drains its queue
  lines=$(($(wc -l <"$log_file" 2>/dev/null || echo 0) - lines_before))
  if [ -n "$(awk -F'\t' '$1 == "gatewayd proxy+access log" { print $2 }' "$tsv")" ]; then
    sed -i "\$s|\$|; $lines lines logged for $last_reqs measured requests (+ warm-up)|" "$tsv"
  fi
  if [ "$lines" -lt "${last_reqs:-0}" ]; then
    say "gatewayd proxy+access log: $lines lines for $last_reqs requests (lines dropped: see gatewayd_access_log_dropped_total)"
    if [ "$mode" = smoke ]; then fail "gatewayd proxy+access log" "$lines lines logged for $last_reqs requests"; fi
  fi
else
  fail "gatewayd proxy+access log" "setup: $(tail -n 3 "$run/setup-proxylog.log" | tr '\n' ' ')"
fi

# gatewayd with an API key in a usage plan (throttle high enough never to refuse; metrics are always
# on), the same behind a JWT authorizer (target: >= 0.85x of gatewayd proxy), and a stage cache hit:
# setup exits with 3 when gatewayd does not have the path yet.
for kind in key keyjwt cache; do
  name="gatewayd key+throttle" note="x-api-key + usage plan throttle + account throttle + metrics"
  [ "$kind" = keyjwt ] && name="gatewayd key+JWT" note="the key path + COGNITO_USER_POOLS authorizer, RS256 ID token (verified once, then cached)"
  [ "$kind" = cache ] && name="gatewayd cache hit" note="stage cache on, caching_enabled */*, checked to hit"
  set +e
  out=$("$bt" setup "${admin_flags[@]}" -kind "$kind" -backend "127.0.0.1:$backend_port" 2>"$run/setup-$kind.log")
  rc=$?
  set -e
  case $rc in
  0)
    mapfile -t lines <<<"$out"
    measure "$name" "${lines[0]}" "$gw_pid" "$note" "${lines[@]:1}"
    ;;
  3) row "$name" "" "" "" "" "" "" "not yet supported: $(sed -n 's/.*not yet supported: //p' "$run/setup-$kind.log" | head -n 1)" ;;
  *) fail "$name" "setup: $(tail -n 3 "$run/setup-$kind.log" | tr '\n' ' ')" ;;
  esac
done

# --- several nodes (issue 16) --------------------------------------------------------------------
# key+throttle with --redis: a second gatewayd on a redis-server started here (free port, throwaway
# dir, no persistence); then three gatewayd nodes on one PostgreSQL (initdb + pg_ctl, throwaway dir,
# fsync off) and that Redis, loaded by three wrk processes at once, one per node. Rows whose server is
# missing are skipped with a note.
if [ -n "${BENCH_PORT_BASE:-}" ]; then
  cports=()
  for i in $(seq 9 18); do cports+=($((base + i))); done
else
  mapfile -t cports < <("$bt" freeports 10)
fi
# cports: Redis, the --redis gatewayd's admin and data ports, PostgreSQL, then each node's two.
redis_bin=$(have redis-server && command -v redis-server || true)
pg_bin=""
if have initdb && have pg_ctl; then
  pg_bin=$(dirname "$(command -v initdb)")
elif [[ " ${BENCH_SKIP:-} " != *" initdb "* ]]; then
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && pg_bin=$d; done
fi
key_rps=$(awk -F'\t' '$1 == "gatewayd key+throttle" { print $2 }' "$tsv")
# start_node NAME ADMIN_PORT LISTEN_PORT FLAGS...: another gatewayd like the first one; sets $last_pid.
start_node() {
  local name=$1 ap=$2 lp=$3
  shift 3
  GATEWAYD_ADMIN_TOKEN=$token GATEWAYD_ACCOUNT_RATE_LIMIT=1000000 GATEWAYD_ACCOUNT_BURST_LIMIT=1000000 start "$name" \
    "$bin/gatewayd" serve --data-dir "$run/$name-data" --admin-addr "127.0.0.1:$ap" --listen "127.0.0.1:$lp" --log-level warn "$@"
  "$bt" check -url "http://127.0.0.1:$ap/healthz" -wait 30s >/dev/null 2>&1 && kill -0 "$last_pid" 2>/dev/null
}
if [ -z "$redis_bin" ]; then
  row "gatewayd key+throttle (Redis)" "" "" "" "" "" "" "skipped: redis-server not installed"
  row "3-node cluster aggregate" "" "" "" "" "" "" "skipped: redis-server not installed"
else
  redis_port=${cports[0]}
  mkdir -p "$run/redis"
  start redis "$redis_bin" --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$run/redis" --daemonize no
  redis_pid=$last_pid
  for _ in $(seq 100); do
    [ "$(printf 'PING\r\n' | timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$redis_port; cat >&3; head -c 5 <&3" 2>/dev/null)" = "+PONG" ] && break
    sleep 0.1
  done
  if start_node gw-redis "${cports[1]}" "${cports[2]}" --redis "redis://127.0.0.1:$redis_port/0"; then
    gwr_pid=$last_pid
    set +e
    out=$("$bt" setup -admin "http://127.0.0.1:${cports[1]}" -token-file "$run/admin-token" -kind key -backend "127.0.0.1:$backend_port" 2>"$run/setup-key-redis.log")
    rc=$?
    set -e
    if [ $rc = 0 ]; then
      mapfile -t lines <<<"$out"
      measure "gatewayd key+throttle (Redis)" "${lines[0]}" "$gwr_pid $redis_pid" "the key+throttle row with --redis: usage plan and account buckets in Redis, one script per request; RSS: gatewayd + redis-server" "${lines[@]:1}"
      r_rps=$(awk -F'\t' '$1 == "gatewayd key+throttle (Redis)" { print $2 }' "$tsv")
      if [ -n "$r_rps" ] && [ -n "$key_rps" ]; then
        sed -i "\$s|\$|; $(awk -v a="$r_rps" -v b="$key_rps" 'BEGIN { printf "%.2fx", a / b }') of key+throttle in this run (target >= 0.7x)|" "$tsv"
      fi
    else
      fail "gatewayd key+throttle (Redis)" "setup: $(tail -n 3 "$run/setup-key-redis.log" | tr '\n' ' ')"
    fi
    kill "$gwr_pid" 2>/dev/null || true
    wait "$gwr_pid" 2>/dev/null || true
  else
    fail "gatewayd key+throttle (Redis)" "gatewayd --redis did not start: $(tail -n 3 "$run/gw-redis.log" | tr '\n' ' ')"
  fi

  if [ -z "$pg_bin" ]; then
    row "3-node cluster aggregate" "" "" "" "" "" "" "skipped: PostgreSQL (initdb, pg_ctl) not installed"
  else
    # initdb and postgres refuse to run as root: then they run as the postgres user, in a directory
    # of theirs outside the repository (whose parents may be closed to them).
    as_pg=()
    [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
    pg_dir=$(mktemp -d /tmp/gwbench-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres: "$pg_dir"
    pg_port=${cports[3]}
    stops+=("${as_pg[*]} $pg_bin/pg_ctl -D $pg_dir/data -m immediate stop; rm -rf $pg_dir")
    if "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >"$run/initdb.log" 2>&1 &&
      "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 -o \
        "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >"$run/pg_ctl.log" 2>&1; then
      store="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"
      node_pids=() node_urls=() started=1
      for i in 0 1 2; do
        ap=${cports[$((4 + 2 * i))]} lp=${cports[$((5 + 2 * i))]}
        # The nodes share the first one's secret key (IAM secrets are sealed with it).
        if [ "$i" -gt 0 ]; then mkdir -p "$run/node$i-data" && cp "$run/node0-data/secret-key" "$run/node$i-data/"; fi
        if ! start_node "node$i" "$ap" "$lp" --store "$store" --redis "redis://127.0.0.1:$redis_port/1"; then
          fail "3-node cluster aggregate" "node $((i + 1)) did not start: $(tail -n 3 "$run/node$i.log" | tr '\n' ' ')"
          started=0
          break
        fi
        node_pids+=("$last_pid")
        node_urls+=("127.0.0.1:$lp")
      done
      if [ "$started" = 1 ]; then
        set +e
        out=$("$bt" setup -admin "http://127.0.0.1:${cports[4]}" -token-file "$run/admin-token" -kind key -backend "127.0.0.1:$backend_port" 2>"$run/setup-cluster.log")
        rc=$?
        set -e
        if [ $rc = 0 ]; then
          mapfile -t lines <<<"$out"
          per=$(((conns + 2) / 3))
          say "3-node cluster aggregate: ${lines[0]} on each node, 3 x wrk -t1 -c$per"
          outs=() ok=1
          for i in 0 1 2; do
            u="http://${node_urls[$i]}${lines[0]#http://"${node_urls[0]}"}"
            hdr=()
            for h in "${lines[@]:1}"; do hdr+=(-H "$h"); done
            "$bt" check -url "$u" "${hdr[@]}" -wait 30s 2>>"$run/load-err.log" || ok=0
            wrk_args=()
            [ -n "$wrk_bin" ] && wrk_args=(-wrk "$wrk_bin")
            "$bt" load -url "$u" "${wrk_args[@]}" "${hdr[@]}" -t 1 -c "$per" -d "$dur" -warmup "$warm" >"$run/cluster-load-$i.out" 2>>"$run/load-err.log" &
            outs+=($!)
          done
          for p in "${outs[@]}"; do wait "$p" || ok=0; done
          if [ "$ok" = 1 ]; then
            read -r rps p50 p99 errs reqs < <(awk '
              { rps += $1; errs += $4; reqs += $5; if ($2 > p50) p50 = $2; if ($3 > p99) p99 = $3 }
              END { printf "%.0f %s %s %d %d\n", rps, p50, p99, errs, reqs }' "$run"/cluster-load-[012].out)
            each=$(awk '{ printf "%s%.0f", (NR > 1 ? " + " : ""), $1 }' "$run"/cluster-load-[012].out)
            row "3-node cluster aggregate" "$rps" "$p50" "$p99" "$errs" "$(rss "${node_pids[@]}")" "" \
              "the key+throttle path on 3 nodes (PostgreSQL store, Redis throttles), 3 x wrk -t1 -c$per at once, one per node: $each req/s; P50/P99 the worst node's; RSS: the 3 nodes; the nodes, Redis, PostgreSQL, the backend and wrk share this machine's $(nproc) cores"
            if [ "$errs" != 0 ] && [ "$mode" = smoke ]; then fail "3-node cluster aggregate" "$errs errors of $reqs requests"; fi
          else
            fail "3-node cluster aggregate" "load: $(tail -c 300 "$run/load-err.log" | tr '\n' ' ')"
          fi
        else
          fail "3-node cluster aggregate" "setup: $(tail -n 3 "$run/setup-cluster.log" | tr '\n' ' ')"
        fi
      fi
      for p in "${node_pids[@]}"; do kill "$p" 2>/dev/null || true; done
      for p in "${node_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    else
      fail "3-node cluster aggregate" "PostgreSQL did not start: $(tail -n 3 "$run/initdb.log" "$run/pg_ctl.log" "$pg_dir/postgres.log" 2>/dev/null | tr '\n' ' ')"
    fi
  fi
  kill "$redis_pid" 2>/dev/null || true
fi

# MOCK with a fixed body, then with a 10-line template reading the request (target: >= 0.8x of the first).
for kind in mock mockvtl; do
  name="gatewayd mock" note="MOCK, fixed body"
  [ "$kind" = mockvtl ] && name="gatewayd mock+template" note="MOCK, 10-line VTL template (params, context, loops)"
  if mock_url=$("$bt" setup "${admin_flags[@]}" -kind "$kind" 2>"$run/setup-$kind.log"); then
    measure "$name" "$mock_url" "$gw_pid" "$note"
  else
    fail "$name" "setup: $(tail -n 3 "$run/setup-$kind.log" | tr '\n' ' ')"
  fi
done

# A VPC link over three backends (the main one and two more), round robin: the note gives each
# backend's share of the measured requests (target: each within 10% of a third).
mapfile -t link_ports < <("$bt" freeports 2)
link_backends=("127.0.0.1:$backend_port")
for p in "${link_ports[@]}"; do
  start "backend-$p" "$bt" backend -addr "127.0.0.1:$p"
  pids+=("$last_pid")
  link_backends+=("127.0.0.1:$p")
done
count_all() { "$bt" counts -backends "$(IFS=,; echo "${link_backends[*]}")"; }
if "$bt" check -url "http://${link_backends[2]}/items/1" -wait 10s &&
  link_url=$("$bt" setup "${admin_flags[@]}" -kind vpclink -backend "$(IFS=,; echo "${link_backends[*]}")" 2>"$run/setup-vpclink.log"); then
  mapfile -t before < <(count_all)
  measure "gatewayd vpc link 3 backends" "$link_url" "$gw_pid" "HTTP_PROXY through a VPC link, round robin"
  mapfile -t after < <(count_all)
  spread=$(awk -v b="${before[*]}" -v a="${after[*]}" 'BEGIN {
    n = split(b, bb, " "); split(a, aa, " "); t = 0
    for (i = 1; i <= n; i++) { d[i] = aa[i] - bb[i]; t += d[i] }
    worst = 0
    for (i = 1; i <= n; i++) { s = s (i > 1 ? "/" : "") d[i]; dev = t ? (d[i] / (t / n) - 1) * 100 : 100; if (dev < 0) dev = -dev; if (dev > worst) worst = dev }
    printf "%s requests per backend, worst %.1f%% from even", s, worst }')
  if [ -n "$(awk -F'\t' '$1 == "gatewayd vpc link 3 backends" { print $2 }' "$tsv")" ]; then
    sed -i "\$s|\$|; $spread|" "$tsv"
  fi
else
  fail "gatewayd vpc link 3 backends" "setup: $(tail -n 3 "$run/setup-vpclink.log" 2>/dev/null | tr '\n' ' ')"
fi

# 10,000 (smoke: 100) idle keep-alive connections to gatewayd, one request each first.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((idle_n + 1000)) ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
if [ -n "${proxy_url:-}" ]; then
  say "$idle_n idle connections (ulimit -n $(ulimit -n))"
  before=$(rss "$gw_pid")
  rm -f "$run/idle.ready"
  start idle "$bt" idle -url "$proxy_url" -n "$idle_n" -ready "$run/idle.ready" -hold 120s
  idle_pid=$last_pid
  for _ in $(seq 600); do [ -s "$run/idle.ready" ] && break; kill -0 "$idle_pid" 2>/dev/null || break; sleep 0.1; done
  if [ -s "$run/idle.ready" ]; then
    sleep 1
    read -r opened idle_failed <"$run/idle.ready"
    after=$(rss "$gw_pid")
    name="10k idle connections"
    [ "$idle_n" = 10000 ] || name="$idle_n idle connections"
    row "$name" "" "" "" "$idle_failed" "$before>$after" "" \
      "$opened open; +$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.1f MB", (b - a) / 1024 }'), $(awk -v a="$before" -v b="$after" -v n="$opened" 'BEGIN { if (n > 0) printf "%.1f kB/conn", (b - a) / n }')"
    [ "$idle_failed" = 0 ] || fail "$name" "$idle_failed connections failed ($(head -c 200 "$run/idle.log"))"
  else
    fail "idle connections" "$(head -c 300 "$run/idle.log")"
  fi
  kill "$idle_pid" 2>/dev/null || true
fi

# The same request on an API of 10 and of 10,000 (smoke: 200) HTTP_PROXY routes.
for n in 10 "$routes_big"; do
  say "routes $n: creating the API"
  t0=$(now_ns)
  if url=$("$bt" setup "${admin_flags[@]}" -kind routes -routes "$n" -c 16 -backend "127.0.0.1:$backend_port" 2>"$run/setup-routes-$n.log"); then
    setup_s=$(secs_since "$t0")
    measure "routes $n" "$url" "$gw_pid" "set up in $setup_s s"
    # Later rows should not pay for a 10,000-route API kept in the store.
    t0=$(now_ns)
    "$bt" deleteapi "${admin_flags[@]}" -url "$url" 2>>"$run/setup-routes-$n.log" ||
      fail "routes $n" "deleting the API: $(tail -n 1 "$run/setup-routes-$n.log")"
    say "routes $n: API deleted in $(secs_since "$t0") s"
  else
    fail "routes $n" "setup: $(tail -n 3 "$run/setup-routes-$n.log" | tr '\n' ' ')"
  fi
done

# --- control plane -------------------------------------------------------------------------------
say "terraform scale: ${tf_sizes// /, } objects"
# tf_rows N LABEL TFGEN_FLAG NOTE: writes a configuration of N objects (benchtool tfgen TFGEN_FLAG) and
# records "terraform apply/plan/destroy N objects" + LABEL. The gatewayd configurations must serve their
# last route after apply (the floor has no server). The no-change plan must be empty.
tf_rows() {
  local n=$1 label=$2 flag=$3 note=$4 dir t0 rc invoke last count
  dir=$run/tf-$n${flag#-}
  mkdir -p "$dir"
  "$bt" tfgen $flag -objects "$n" -out "$dir/main.tf"
  if ! (cd "$dir" && terraform init -input=false -no-color >init.log 2>&1); then
    fail "terraform apply $n objects$label" "init: $(tail -n 5 "$dir/init.log" | tr '\n' ' ')"
    return
  fi
  t0=$(now_ns)
  if ! (cd "$dir" && terraform apply -input=false -auto-approve -no-color >apply.log 2>&1); then
    fail "terraform apply $n objects$label" "$(grep -m 3 -A 3 Error "$dir/apply.log" | tr '\n' ' ' | head -c 300)"
    (cd "$dir" && terraform destroy -input=false -auto-approve -no-color >destroy.log 2>&1) || true
    return
  fi
  local t_apply
  t_apply=$(secs_since "$t0")
  count=$(cd "$dir" && terraform state list | wc -l)
  row "terraform apply $n objects$label" "" "" "" "" "" "$t_apply" "$count objects${note:+, $note}"
  if [ "$flag" != -floor ]; then
    invoke=$(cd "$dir" && terraform output -no-color -raw invoke_url)
    last=$(cd "$dir" && terraform output -no-color -raw last_route)
    "$bt" check -url "$invoke/$last" -contains "$last" -wait 10s ||
      fail "terraform apply $n objects$label" "the stage does not serve /$last after apply"
  fi

  t0=$(now_ns)
  set +e
  (cd "$dir" && terraform plan -input=false -no-color -detailed-exitcode >plan.log 2>&1)
  rc=$?
  set -e
  case $rc in
  0) row "terraform plan $n objects$label" "" "" "" "" "" "$(secs_since "$t0")" "no changes" ;;
  2) fail "terraform plan $n objects$label" "plan after apply is not empty: $(grep -m 1 'Plan:' "$dir/plan.log")" ;;
  *) fail "terraform plan $n objects$label" "$(grep -m 3 -A 3 Error "$dir/plan.log" | tr '\n' ' ' | head -c 300)" ;;
  esac

  t0=$(now_ns)
  if (cd "$dir" && terraform destroy -input=false -auto-approve -no-color >destroy.log 2>&1); then
    row "terraform destroy $n objects$label" "" "" "" "" "" "$(secs_since "$t0")" ""
  else
    fail "terraform destroy $n objects$label" "$(grep -m 3 -A 3 Error "$dir/destroy.log" | tr '\n' ' ' | head -c 300)"
  fi
}
# Each size three ways: the gatewayd configuration; the same graph as terraform_data (no provider
# process, no server: terraform's own cost); the same routes as one OpenAPI body on the API.
tf_variants=("|||one API, auto_deploy stage"
  "| (terraform_data floor)|-floor|the same graph as terraform_data: terraform's own cost"
  "| as OpenAPI|-openapi|the same routes in the API's body")
if have terraform; then
  tools/mirror.sh "$bin/terraform-provider-gatewayd" "$version" "$run/mirror" >/dev/null
  cat >"$run/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$run/mirror"
    include = ["gatewayd/gatewayd"]
  }
  direct {
    exclude = ["gatewayd/gatewayd"]
  }
}
RC
  export TF_CLI_CONFIG_FILE=$run/terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
  export GATEWAYD_ENDPOINT=$admin GATEWAYD_TOKEN=$token
  for n in $tf_sizes; do
    for v in "${tf_variants[@]}"; do
      IFS='|' read -r _ label flag note <<<"$v"
      tf_rows "$n" "$label" "$flag" "$note"
    done
  done
else
  for n in $tf_sizes; do
    for v in "${tf_variants[@]}"; do
      IFS='|' read -r _ label _ _ <<<"$v"
      for op in apply plan destroy; do row "terraform $op $n objects$label" "" "" "" "" "" "" "skipped: terraform not installed"; done
    done
  done
fi

say "stage update to first request ($stage_n times)"
if out=$("$bt" stageupdate "${admin_flags[@]}" -n "$stage_n" 2>"$run/stageupdate.log"); then
  read -r p50 p99 mx cnt <<<"$out"
  row "stage update to first request" "" "$p50" "$p99" "0" "" "" "$cnt updates, max $mx ms; UpdateStage call to first new answer"
else
  fail "stage update to first request" "$(tail -n 3 "$run/stageupdate.log" | tr '\n' ' ')"
fi

for c in 1 16; do
  say "admin write c=$c ($admin_n CreateResource calls)"
  if out=$("$bt" adminwrite "${admin_flags[@]}" -n "$admin_n" -c "$c" 2>"$run/adminwrite-$c.log"); then
    read -r wps p50 p99 errs cnt <<<"$out"
    row "admin write c=$c" "$wps" "$p50" "$p99" "$errs" "" "" "$cnt CreateResource calls, writes/s in req/s"
    [ "$errs" = 0 ] || fail "admin write c=$c" "$errs errors: $(tail -n 1 "$run/adminwrite-$c.log")"
  else
    fail "admin write c=$c" "$(tail -n 3 "$run/adminwrite-$c.log" | tr '\n' ' ')"
  fi
done
# A write's cost on a small and on a large API with an auto_deploy stage (issue 17: within 1.5x).
say "admin write at N=10 and N=$scale_big ($scale_writes routes each, one call at a time)"
if out=$("$bt" adminscale "${admin_flags[@]}" -sizes "10,$scale_big" -writes "$scale_writes" 2>"$run/adminscale.log"); then
  small_p50=""
  while read -r n p50 p99 cps cnt; do
    note="$cnt admin calls one at a time (resource, method, integration, method and integration response per route) on an API of $n routes with an auto_deploy stage, each served when it returns; calls/s in req/s"
    if [ -n "$small_p50" ]; then
      note="$note; p50 $(awk -v a="$p50" -v b="$small_p50" 'BEGIN { printf "%.2f", a / b }')x of N=10"
    fi
    row "admin write at N=$n" "$cps" "$p50" "$p99" "0" "" "" "$note"
    small_p50=${small_p50:-$p50}
  done <<<"$out"
else
  fail "admin write at N=$scale_big" "$(tail -n 3 "$run/adminscale.log" | tr '\n' ' ')"
fi
row "gatewayd RSS at the end" "" "" "" "" "$(rss "$gw_pid")" "" "after everything above"

# --- output --------------------------------------------------------------------------------------
{
  cat "$run/header.md"
  echo "- uptime at end: $(uptime)"
  echo
  "$bt" table -in "$tsv"
} >"$md"
echo
cat "$md"
echo
say "results in ${md#"$PWD"/}"
if [ "$failed" != 0 ]; then
  say "bench $mode: some paths FAILED (see the table)"
  exit 1
fi
