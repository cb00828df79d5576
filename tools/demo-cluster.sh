#!/usr/bin/env bash
# make demo-cluster: three gatewayd nodes on one PostgreSQL and one Redis, all on this machine, with
# throwaway data in .demo/cluster/. examples/quickstart is applied through node 1; then every node
# serves it, a quota and a stage cache are shared by the nodes, and a change written through node 2's
# admin API is served by node 3. PostgreSQL and Redis are started here (never a service of the
# machine); Debian's packages are installed when missing and apt-get can run. Everything it starts
# keeps running afterwards; `make demo-cluster-stop` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD dir=$PWD/.demo/cluster version=${VERSION:-0.1.0}
# Ports: nodes' admin APIs 9181-9183 and data planes 8181-8183, PostgreSQL 5499, Redis 6399.
base_admin=${CLUSTER_ADMIN_BASE:-9180} base_listen=${CLUSTER_LISTEN_BASE:-8180}
pg_port=${CLUSTER_PG_PORT:-5499} redis_port=${CLUSTER_REDIS_PORT:-6399}
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

stop_all() {
  for f in "$dir"/*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  if [ -f "$dir/pg_ctl" ] && [ -d "$(cat "$dir/pg_dir" 2>/dev/null)/data" ]; then
    eval "$(cat "$dir/pg_ctl") -D $(cat "$dir/pg_dir")/data -m fast stop" >/dev/null 2>&1 || true
    rm -rf "$(cat "$dir/pg_dir")"
  fi
  rm -rf "$dir"
}
if [ "${1:-}" = stop ]; then
  stop_all
  echo "demo-cluster stopped"
  exit 0
fi

for bin in terraform curl; do
  command -v "$bin" >/dev/null || { echo "make demo-cluster needs $bin on PATH"; exit 1; }
done
pg_bin=""
find_pg() {
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then pg_bin=$(dirname "$(command -v initdb)"); fi
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && pg_bin=$d; done
  return 0
}
find_pg
missing=()
[ -n "$pg_bin" ] || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=(sudo -n)
  [ "$(id -u)" -eq 0 ] && sudo=()
  say "Installing ${missing[*]} (Debian packages; their services are not used)"
  "${sudo[@]}" apt-get update -qq && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
    { echo "make demo-cluster needs ${missing[*]}: install them (apt-get install ${missing[*]})"; exit 1; }
  find_pg
fi

stop_all
mkdir -p "$dir/bin"
say "Building gatewayd, the provider and the example backends"

go build -o "$dir/bin/httpbackend" ./examples/backends/httpbackend
go build -o "$dir/bin/lambdafunc" ./examples/backends/lambdafunc

say "Starting PostgreSQL on 127.0.0.1:$pg_port and Redis on 127.0.0.1:$redis_port (throwaway data)"
# initdb and postgres refuse to run as root: then they run as the postgres user, in a directory of
# theirs outside the repository (whose parents may be closed to them).
as_pg=""
[ "$(id -u)" = 0 ] && as_pg="runuser -u postgres --"
pg_dir=$(mktemp -d /tmp/gatewayd-demo-pg.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$pg_dir"
echo "$pg_dir" >"$dir/pg_dir"
echo "$as_pg $pg_bin/pg_ctl" >"$dir/pg_ctl"
$as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log"; exit 1; }
$as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1" start >"$dir/pg_ctl.log" 2>&1 ||
  { cat "$dir/pg_ctl.log" "$pg_dir/postgres.log"; exit 1; }
mkdir -p "$dir/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir/redis" >"$dir/redis.log" 2>&1 &
echo $! >"$dir/redis.pid"
"$dir/bin/httpbackend" >"$dir/httpbackend.log" 2>&1 & echo $! >"$dir/httpbackend.pid"
"$dir/bin/lambdafunc" >"$dir/lambdafunc.log" 2>&1 & echo $! >"$dir/lambdafunc.pid"

token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$token" >"$dir/admin-token"
chmod 600 "$dir/admin-token"
store="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"
# Every node gets the same --public-url, the base of the stages' invoke_url: in production the load
# balancer's URL; here node 1's, so that a plan reads the same invoke_url through any node.
for i in 1 2 3; do
  say "Starting node $i: admin 127.0.0.1:$((base_admin + i)), data plane 127.0.0.1:$((base_listen + i))"
  mkdir -p "$dir/node$i"
  # Every node seals secrets with the same key: the first node's.
  [ "$i" -gt 1 ] && cp "$dir/node1/secret-key" "$dir/node$i/"
  GATEWAYD_ADMIN_TOKEN=$token bin/gatewayd serve --data-dir "$dir/node$i" --store "$store" \
    --redis "redis://127.0.0.1:$redis_port/0" --admin-addr "127.0.0.1:$((base_admin + i))" \
    --listen "127.0.0.1:$((base_listen + i))" --public-url "http://127.0.0.1:$((base_listen + 1))" \
    --log-level warn >"$dir/node$i.log" 2>&1 &
  echo $! >"$dir/node$i.pid"
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$((base_admin + i))/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$((base_admin + i))/healthz" >/dev/null || { echo "node $i did not start:"; cat "$dir/node$i.log"; exit 1; }
done
node() { echo "http://127.0.0.1:$((base_listen + $1))"; }
admin() { echo "http://127.0.0.1:$((base_admin + $1))"; }

say "terraform apply of examples/quickstart through node 1's admin API"
tools/mirror.sh bin/terraform-provider-gatewayd "$version" "$dir/mirror" >/dev/null
cat >"$dir/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$dir/mirror"
    include = ["gatewayd/gatewayd"]
  }
  direct {
    exclude = ["gatewayd/gatewayd"]
  }
}
RC
export TF_CLI_CONFIG_FILE=$dir/terraformrc GATEWAYD_ENDPOINT=$(admin 1) GATEWAYD_TOKEN=$token
cp -r examples/quickstart "$dir/quickstart"
cd "$dir/quickstart"
terraform init -input=false -no-color >"$dir/init.log" || { cat "$dir/init.log"; exit 1; }
terraform apply -input=false -auto-approve -no-color >"$dir/apply.log" || { cat "$dir/apply.log"; exit 1; }
grep -E '^Apply complete' "$dir/apply.log"
api_id=$(terraform output -raw rest_api_id)
key=$(terraform output -raw api_key)
echo "The same configuration read through node 3 (expect: No changes):"
GATEWAYD_ENDPOINT=$(admin 3) terraform plan -input=false -no-color -detailed-exitcode | tail -n 1

say "Every node serves the stage"
for i in 1 2 3; do
  echo "\$ curl $(node "$i")/$api_id/prod/health"
  curl -sS -w '  -> %{http_code}\n' "$(node "$i")/$api_id/prod/health"
done

say "One stage cache for the three nodes: GET /pets/7 on node 1, then on nodes 2 and 3"
for i in 1 2 3; do
  echo "\$ curl $(node "$i")/$api_id/prod/pets/7"
  curl -sS -i "$(node "$i")/$api_id/prod/pets/7" | grep -i -E '^(HTTP|x-cache)|request_id' |
    sed -E 's/.*"request_id":"([^"]*)".*/  body request_id: \1/'
done

say "One quota for the three nodes: GET /premium allows 5 calls a day per key, whichever node answers"
for call in 1 2 3 4 5 6; do
  i=$(((call - 1) % 3 + 1))
  echo "\$ curl -H 'x-api-key: ...' $(node "$i")/$api_id/prod/premium   (call $call, node $i)"
  curl -sS -w '  -> %{http_code}\n' -o /dev/null -H "x-api-key: $key" "$(node "$i")/$api_id/prod/premium"
done

say "A change applied through node 2's admin API is read back through node 3"
sed -i 's/owner = "platform"/owner = "edge"/' main.tf
echo "\$ GATEWAYD_ENDPOINT=$(admin 2) terraform apply   (the stage variable owner: platform -> edge)"
GATEWAYD_ENDPOINT=$(admin 2) terraform apply -input=false -auto-approve -no-color >"$dir/apply2.log" || { cat "$dir/apply2.log"; exit 1; }
grep -E '^Apply complete' "$dir/apply2.log"
echo "\$ curl $(admin 3)/v1/restapis/$api_id/stages/prod   (its variables)"
curl -fsS -H "Authorization: Bearer $token" "$(admin 3)/v1/restapis/$api_id/stages/prod" | grep -o '"variables":{[^}]*}'
echo "\$ GATEWAYD_ENDPOINT=$(admin 3) terraform plan   (expect: No changes)"
GATEWAYD_ENDPOINT=$(admin 3) terraform plan -input=false -no-color -detailed-exitcode | tail -n 1

cd "$root"
say "Running: PostgreSQL, Redis and three nodes (logs and data in .demo/cluster). Stop them with make demo-cluster-stop."
