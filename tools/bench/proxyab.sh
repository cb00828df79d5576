#!/usr/bin/env bash
# Proxy path A/B (issue 17): nginx and one or more gatewayd binaries side by side, alternating rounds,
# with per-request counters of each gatewayd process that the machine's load disturbs far less than
# req/s: CPU time, syscalls and context switches per request (perf stat -p), the CPU time's user and
# kernel parts (utime and stime of /proc/PID/stat, at the kernel's clock tick), and, with
# PROFILE=1, a CPU profile of the last round of each (perf record).
#
#   tools/bench/proxyab.sh [NAME=GATEWAYD_BINARY ...]
#
# nginx's counters are those of its worker processes; REF=1 adds a row for a bare fasthttp proxy. Without
# arguments it builds the working tree's gatewayd as "cur". ROUNDS (3), DURATION (8s), WARMUP
# (2s), THREADS (2), CONNS (64) set the load; KINDS ("proxy key", also keyjwt) the gatewayd rows. Needs wrk, nginx
# and perf. Prints one line per round and row, then the medians; writes everything to
# tools/bench/results/proxyab-<time>/ (git-ignored). LATENCY=1 adds open-loop latency at fixed rates
# (below); SCHED=1 with it records the scheduler's wake-up delays.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3} dur=${DURATION:-8s} warm=${WARMUP:-2s} threads=${THREADS:-2} conns=${CONNS:-64}
kinds=${KINDS:-proxy key}
PATH=$PATH:/usr/sbin:/sbin
for t in wrk nginx perf; do command -v "$t" >/dev/null || { echo "proxyab: $t is not installed" >&2; exit 2; }; done

run=$PWD/tools/bench/results/proxyab-$(date +%Y%m%d-%H%M%S)
mkdir -p "$run"
(cd tools/bench && go build -trimpath -o "$run/benchtool" ./benchtool)
bt=$run/benchtool
bins=("$@")
if [ ${#bins[@]} -eq 0 ]; then
  go build -trimpath -o "$run/gatewayd-cur" ./gatewayd/cmd/gatewayd
  bins=("cur=$run/gatewayd-cur")
fi

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mapfile -t ports < <("$bt" freeports $((3 + 2 * ${#bins[@]})))
backend=127.0.0.1:${ports[0]}
"$bt" backend -addr "$backend" >"$run/backend.log" 2>&1 &
pids+=($!)
"$bt" check -url "http://$backend/items/1" -wait 10s

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
  upstream backend { server $backend; keepalive 128; }
  server {
    listen 127.0.0.1:${ports[1]};
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
nginx -p "$run/nginx" -c "$run/nginx.conf" -g 'daemon off;' >"$run/nginx.log" 2>&1 &
nginx_pid=$!
pids+=("$nginx_pid")
"$bt" check -url "http://127.0.0.1:${ports[1]}/items/1" -wait 10s
nginx_workers=$(pgrep -d, -P "$nginx_pid")

# targets: "row url pids header"; nginx's counters are its workers'.
targets=("nginx|http://127.0.0.1:${ports[1]}/items/1|$nginx_workers|")

# REF=1 adds "fasthttp-ref": fasthttp's server and HostClient and nothing else (benchtool refproxy), the
# floor of a Go proxy built as gatewayd is.
if [ "${REF:-0}" = 1 ]; then
  ref=127.0.0.1:${ports[$((2 + 2 * ${#bins[@]}))]}
  "$bt" refproxy -addr "$ref" -backend "$backend" >"$run/refproxy.log" 2>&1 &
  pids+=($!)
  "$bt" check -url "http://$ref/items/1" -wait 10s
  targets+=("fasthttp-ref|http://$ref/items/1|$!|")
fi
i=0
for spec in "${bins[@]}"; do
  name=${spec%%=*} bin=${spec#*=}
  gw=127.0.0.1:${ports[2 + 2 * i]} adm=127.0.0.1:${ports[3 + 2 * i]}
  token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$token" >"$run/token-$name"
  GATEWAYD_ADMIN_TOKEN=$token GATEWAYD_ACCOUNT_RATE_LIMIT=1000000 GATEWAYD_ACCOUNT_BURST_LIMIT=1000000 \
    "$bin" serve --data-dir "$run/data-$name" --admin-addr "$adm" --listen "$gw" --log-level warn >"$run/gatewayd-$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  "$bt" check -url "http://$adm/healthz" -wait 15s
  for kind in $kinds; do
    out=$("$bt" setup -admin "http://$adm" -token-file "$run/token-$name" -kind "$kind" -backend "$backend")
    url=$(head -n 1 <<<"$out")
    # Every line after the URL is a header (keyjwt: x-api-key and Authorization), joined by tabs.
    hdr=$(sed -n '2,$p' <<<"$out" | paste -sd $'\t' -)
    targets+=("$name $kind|$url|$pid|$hdr")
  done
  i=$((i + 1))
done

# cputicks PIDS: the user and kernel CPU ticks of the processes, summed.
cputicks() {
  local p u=0 k=0 f
  for p in ${1//,/ }; do
    # The fields after the command name (which may hold spaces): utime and stime are its 12th and 13th.
    f=$(sed 's/^.*) //' "/proc/$p/stat")
    set -- $f
    u=$((u + ${12})) k=$((k + ${13}))
  done
  echo "$u $k"
}
hz=$(getconf CLK_TCK)

printf '%-16s %5s %8s %7s %8s %9s %8s %8s %8s %8s\n' row round req/s p99ms vsnginx cpu_us/req sys/req cs/req usr_us ker_us | tee "$run/rounds.txt"
for r in $(seq 1 "$rounds"); do
  nginx_rps=
  for t in "${targets[@]}"; do
    IFS='|' read -r row url pid hdr <<<"$t"
    h=()
    if [ -n "$hdr" ]; then
      IFS=$'\t' read -r -a hs <<<"$hdr"
      for x in "${hs[@]}"; do h+=(-H "$x"); done
    fi
    "$bt" load -url "$url" -wrk wrk "${h[@]}" -t "$threads" -c "$conns" -d "$warm" -warmup 0s >/dev/null
    slug=${row// /-}
    rec=()
    if [ "${PROFILE:-0}" = 1 ] && [ "$r" = "$rounds" ]; then
      perf record -F 999 -g -p "$pid" -o "$run/perf-$slug.data" -- sleep "${dur%s}" >/dev/null 2>&1 &
      rec=($!)
    fi
    read -r u0 k0 < <(cputicks "$pid")
    perf stat -x, -e task-clock,raw_syscalls:sys_enter,context-switches -p "$pid" -o "$run/stat-$slug-$r.csv" -- \
      "$bt" load -url "$url" -wrk wrk "${h[@]}" -t "$threads" -c "$conns" -d "$dur" -warmup 0s >"$run/load-$slug-$r.txt"
    [ ${#rec[@]} -gt 0 ] && wait "${rec[0]}"
    read -r u1 k1 < <(cputicks "$pid")
    read -r rps _ p99 errs reqs <"$run/load-$slug-$r.txt"
    [ "$row" = nginx ] && nginx_rps=$rps
    awk -F, -v reqs="$reqs" -v row="$row" -v r="$r" -v rps="$rps" -v p99="$p99" -v n="$nginx_rps" \
      -v usr=$(((u1 - u0) * 1000000 / hz)) -v ker=$(((k1 - k0) * 1000000 / hz)) '
      $3 == "task-clock" { cpu = $1 } $3 == "raw_syscalls:sys_enter" { sc = $1 } $3 == "context-switches" { cs = $1 }
      END { printf "%-16s %5s %8s %7s %8.2f %9.1f %8.2f %8.2f %8.1f %8.1f\n", row, r, rps, p99, rps / n, cpu * 1000 / reqs, sc / reqs, cs / reqs, usr / reqs, ker / reqs }' \
      "$run/stat-$slug-$r.csv" | tee -a "$run/rounds.txt"
  done
done
echo "medians:" | tee -a "$run/rounds.txt"
# Median per row of each numeric column (rows may have a space in their name: "cur proxy").
python3 - "$run/rounds.txt" <<'PY' | tee -a "$run/rounds.txt"
import sys, statistics, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]).read().splitlines()[1:]:
    if line.startswith("medians"):
        break
    f = line.split()
    # the round is the first integer field
    i = next(k for k, v in enumerate(f) if v.isdigit())
    rows.setdefault(" ".join(f[:i]), []).append(f[i + 1:])
for name, rs in rows.items():
    cols = []
    for c in zip(*rs):
        try:
            cols.append("%.2f" % statistics.median(float(x) for x in c))
        except ValueError:
            cols.append("-")
    print("%-16s %s" % (name, " ".join("%9s" % c for c in cols)))
PY

# LATENCY=1: open-loop latency at fixed rates, FRACTIONS (default "0.25 0.5") of the first gatewayd
# row's median req/s above; LROUNDS (5) rounds of LDURATION (4s), direct, nginx and every gatewayd row
# in turn, medians per target. SCHED=1 also records the scheduler (perf sched) during the last gatewayd
# round of each rate and keeps its wake-up delays per task: how long a woken thread waited for a CPU.
if [ "${LATENCY:-0}" = 1 ]; then
  first=$(awk 'found && $0 !~ /^(nginx|fasthttp-ref) / { print $0; exit } /^medians:/ { found = 1 }' "$run/rounds.txt")
  base_rps=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { print $i; exit } }' <<<"$first")
  lrounds=${LROUNDS:-5} ldur=${LDURATION:-4s}
  lt=("direct|http://$backend/items/1|" "nginx|http://127.0.0.1:${ports[1]}/items/1|")
  for t in "${targets[@]}"; do
    IFS='|' read -r row url pid hdr <<<"$t"
    # The rate generator sends one fixed GET with no extra headers: rows that need a key are skipped.
    case $row in nginx | fasthttp-ref) continue ;; esac
    [ -z "$hdr" ] && lt+=("$row|$url|$pid")
  done
  printf '%-16s %5s %6s %8s %8s %8s %8s %9s\n' target round rps p50ms p99ms got_rps send_p50 send_p99 | tee "$run/latency.txt"
  for f in ${FRACTIONS:-0.25 0.5}; do
    rate=$(awk -v r="$base_rps" -v f="$f" 'BEGIN { printf "%d", r * f }')
    for r in $(seq 1 "$lrounds"); do
      for t in "${lt[@]}"; do
        IFS='|' read -r row url pid <<<"$t"
        rec=()
        if [ "${SCHED:-0}" = 1 ] && [ "$r" = "$lrounds" ] && [ -n "$pid" ]; then
          perf sched record -a -o "$run/sched-${row// /-}-$f.data" -- sleep "${ldur%s}" >/dev/null 2>&1 &
          rec=($!)
        fi
        out=$("$bt" rate -url "$url" -rps "$rate" -d "$ldur")
        [ ${#rec[@]} -gt 0 ] && wait "${rec[0]}"
        read -r p50 p99 got errs sp50 sp99 <<<"$out"
        printf '%-16s %5s %6s %8s %8s %8s %8s %9s\n' "${row// /-}" "$r" "$rate" "$p50" "$p99" "$got" "$sp50" "$sp99" | tee -a "$run/latency.txt"
      done
    done
  done
  echo "latency medians (added p99 = target's median p99 minus direct's at the same rate):" | tee -a "$run/latency.txt"
  python3 - "$run/latency.txt" <<'PY' | tee -a "$run/latency.txt"
import sys, statistics, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]).read().splitlines()[1:]:
    if line.startswith("latency medians"):
        break
    f = line.split()
    rows.setdefault((f[2], f[0]), []).append([float(x) for x in f[3:]])
direct = {}
for (rate, name), rs in rows.items():
    med = [statistics.median(c) for c in zip(*rs)]
    if name == "direct":
        direct[rate] = med[1]
    added = "" if name == "direct" else "%+.2f" % (med[1] - direct.get(rate, float("nan")))
    print("%-16s rps %6s  p50 %6.2f  p99 %6.2f  added %7s  got %7.0f  send p99 %6.2f" % (name, rate, med[0], med[1], added, med[2], med[4]))
PY
  if [ "${SCHED:-0}" = 1 ]; then
    for f in "$run"/sched-*.data; do
      perf sched latency -i "$f" --sort max 2>/dev/null | head -n 25 >"${f%.data}.latency.txt" || true
    done
    echo "scheduler wake-up delays: $run/sched-*.latency.txt"
  fi
fi

if [ "${PROFILE:-0}" = 1 ]; then
  for f in "$run"/perf-*.data; do
    {
      perf report -i "$f" --no-children -g none --sort dso --stdio 2>/dev/null | grep '%' | grep -v '^#' | head -n 8
      echo
      perf report -i "$f" --no-children -g none --sort symbol --stdio 2>/dev/null | grep '%' | grep -v '^#' | head -n 60
    } >"${f%.data}.top.txt" || true
  done
  echo "profiles: $run/perf-*.top.txt"
fi
echo "results: $run"
