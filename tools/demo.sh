#!/usr/bin/env bash
# make demo: start gatewayd on embedded defaults and the example backends, apply examples/quickstart
# with the real terraform CLI, show a no-change plan, an import and the objects, and call the stage.
# Everything it makes lives in .demo/ (git-ignored); gatewayd keeps running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD demo=$PWD/.demo version=${VERSION:-0.1.0}
admin_addr=${GATEWAYD_ADMIN_ADDR:-127.0.0.1:9080}
listen=${GATEWAYD_LISTEN:-127.0.0.1:8080}
tls_listen=${GATEWAYD_TLS_LISTEN:-127.0.0.1:8443}
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# one_per_line prints an admin API list ({"items":[...]}) whole, one item per line, without jq.
one_per_line() { awk '{ gsub(/\},\{"/, "},\n  {\""); sub(/^\{"items":\[/, "{\"items\":[\n  "); print }'; }

command -v terraform >/dev/null || { echo "make demo needs the terraform CLI on PATH"; exit 1; }
command -v curl >/dev/null || { echo "make demo needs curl"; exit 1; }

# Stop what an earlier demo left running.
for f in "$demo"/*.pid; do
  [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
done
# Each run starts from an empty store: the Terraform state goes with quickstart/, and objects an
# earlier run left in gatewayd (a domain name is unique) would make this run's apply conflict.
rm -rf "$demo/quickstart" "$demo/data" "$demo"/*.pid
mkdir -p "$demo/bin"

say "Building the example backends"
go build -o "$demo/bin/httpbackend" ./examples/backends/httpbackend
go build -o "$demo/bin/lambdafunc" ./examples/backends/lambdafunc

say "Starting gatewayd (admin $admin_addr, data plane $listen and https $tls_listen, data in .demo/data)"
bin/gatewayd serve --data-dir "$demo/data" --admin-addr "$admin_addr" --listen "$listen" --tls-listen "$tls_listen" \
  >"$demo/gatewayd.out" 2>"$demo/gatewayd.log" &
echo $! >"$demo/gatewayd.pid"
"$demo/bin/httpbackend" >"$demo/httpbackend.log" 2>&1 & echo $! >"$demo/httpbackend.pid"
"$demo/bin/lambdafunc" >"$demo/lambdafunc.log" 2>&1 & echo $! >"$demo/lambdafunc.pid"
for _ in $(seq 50); do
  curl -fsS "http://$admin_addr/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://$admin_addr/healthz" >/dev/null || { echo "gatewayd did not start:"; cat "$demo/gatewayd.log"; exit 1; }
cat "$demo/gatewayd.out"
export GATEWAYD_ENDPOINT="http://$admin_addr"
GATEWAYD_TOKEN=$(cat "$demo/data/admin-token")
export GATEWAYD_TOKEN

say "Installing the provider into a local filesystem mirror (.demo/mirror)"
tools/mirror.sh bin/terraform-provider-gatewayd "$version" "$demo/mirror"
cat >"$demo/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$demo/mirror"
    include = ["gatewayd/gatewayd"]
  }
  direct {
    exclude = ["gatewayd/gatewayd"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$demo/terraformrc"
cp -r examples/quickstart "$demo/quickstart"
cd "$demo/quickstart"

say "terraform init"
terraform init -input=false -no-color | grep -E 'Installing|Installed|initialized' || true

say "terraform apply"
terraform apply -input=false -auto-approve -no-color >"$demo/apply.log" || { cat "$demo/apply.log"; exit 1; }
grep -E '^Apply complete' "$demo/apply.log"
terraform output -no-color

say "terraform plan right after apply (expect: No changes)"
terraform plan -input=false -no-color -detailed-exitcode | tail -n 3

api_id=$(terraform output -raw rest_api_id)
url=$(terraform output -raw invoke_url)

say "terraform import: forget the stage, then adopt it again by its ID $api_id/prod"
terraform state rm gatewayd_stage.prod >/dev/null
terraform import -input=false -no-color gatewayd_stage.prod "$api_id/prod" | grep -E 'Import successful|Error' || true
terraform plan -input=false -no-color -detailed-exitcode | tail -n 1

say "The objects, through the admin API"
auth="Authorization: Bearer $GATEWAYD_TOKEN"
echo "\$ curl $GATEWAYD_ENDPOINT/v1/restapis/$api_id/resources"
curl -fsS -H "$auth" "$GATEWAYD_ENDPOINT/v1/restapis/$api_id/resources" | one_per_line
echo "\$ curl $GATEWAYD_ENDPOINT/v1/restapis/$api_id/stages/prod"
curl -fsS -H "$auth" "$GATEWAYD_ENDPOINT/v1/restapis/$api_id/stages/prod"
echo "\$ curl $GATEWAYD_ENDPOINT/v1/restapis/$api_id/stages/prod/history?limit=3   (the 3 latest releases)"
curl -fsS -H "$auth" "$GATEWAYD_ENDPOINT/v1/restapis/$api_id/stages/prod/history?limit=3" | one_per_line

say "Calling the stage at $url"
for path in /health /pets/42?color=brown /hello/world; do
  echo "\$ curl $url$path"
  curl -sS -i "$url$path" | grep -v -i -E '^(date|content-length):' ; echo
done

say "HTTPS on the domain name, with a certificate from gatewayd's own CA"
domain_url=$(terraform output -raw domain_url)
domain_host=${domain_url#https://}; domain_host=${domain_host%%/*}
tls_port=${tls_listen##*:}
echo "The CA's root, from the admin API, into .demo/ca.pem (clients trust it):"
echo "\$ curl -H 'Authorization: Bearer ...' $GATEWAYD_ENDPOINT/v1/ca/certificate -o .demo/ca.pem"
curl -fsS -H "Authorization: Bearer $GATEWAYD_TOKEN" "$GATEWAYD_ENDPOINT/v1/ca/certificate" -o "$demo/ca.pem"
https_curl="curl --cacert .demo/ca.pem --resolve $domain_host:$tls_port:127.0.0.1 https://$domain_host:$tls_port/v1/health"
echo "\$ $https_curl"
(cd "$root" && $https_curl -sS -i | grep -v -i -E '^(date|content-length):'); echo
echo "\$ curl -i http://$domain_host:${listen##*:}/v1/health --resolve $domain_host:${listen##*:}:127.0.0.1   (plain HTTP to the domain)"
curl -sS -i --resolve "$domain_host:${listen##*:}:127.0.0.1" "http://$domain_host:${listen##*:}/v1/health" | grep -i -E '^(HTTP|location)'

say "The cache: GET /pets/7 twice; the second is answered from the cache, without calling the backend"
echo "The stage caches GET /pets/{proxy+} by the path only (cache_key_parameters = method.request.path.proxy):"
echo "the query string color is not a cache key parameter, so both calls share one cache entry, and the"
echo "second answer is the first one again (same request_id from the backend, X-Cache: Hit)."
for q in "?color=brown" "?color=white"; do
  echo "\$ curl $url/pets/7$q"
  curl -sS -i "$url/pets/7$q" | grep -i -E '^(HTTP|x-cache)|request_id' | sed -E 's/.*"request_id":"([^"]*)".*/  body request_id: \1/'
done

say "API keys and quotas: GET /premium needs a key of the gold plan (5 calls a day)"
key=$(cd "$demo/quickstart" && terraform output -raw api_key)
plan_id=$(cd "$demo/quickstart" && terraform output -raw usage_plan_id)
key_id=$(cd "$demo/quickstart" && terraform output -raw api_key_id)
echo "\$ curl $url/premium                      (no key)"
curl -sS -w '  -> %{http_code}\n' "$url/premium"
for i in 1 2 3 4 5 6; do
  echo "\$ curl -H 'x-api-key: ...' $url/premium   (call $i)"
  curl -sS -w '  -> %{http_code}\n' -H "x-api-key: $key" "$url/premium"
done
today=$(date -u +%F)
echo "\$ curl $GATEWAYD_ENDPOINT/v1/usageplans/$plan_id/usage?keyId=$key_id&startDate=$today&endDate=$today"
curl -fsS -H "$auth" "$GATEWAYD_ENDPOINT/v1/usageplans/$plan_id/usage?keyId=$key_id&startDate=$today&endDate=$today"; echo

cd "$root"
# What to type, from the repository's root, to run terraform on the demo's configuration yourself. Its
# paths are relative to the root, so it works from any checkout; the demo runs it in a clean
# environment first to show that it does.
plan_cmd='GATEWAYD_ENDPOINT='$GATEWAYD_ENDPOINT' GATEWAYD_TOKEN=$(cat .demo/data/admin-token) TF_CLI_CONFIG_FILE=$PWD/.demo/terraformrc terraform -chdir=.demo/quickstart plan'
say "terraform plan as you would type it, from a shell with none of the demo's variables (expect: No changes)"
echo "\$ $plan_cmd"
env -u GATEWAYD_ENDPOINT -u GATEWAYD_TOKEN -u TF_CLI_CONFIG_FILE bash -c "$plan_cmd -input=false -no-color -detailed-exitcode" | tail -n 1

say "Done"
cat <<MSG
gatewayd and the example backends are still running.
  admin API:   $GATEWAYD_ENDPOINT  (token in .demo/data/admin-token)
  stage:       $url
  https:       $https_curl
  terraform:   $plan_cmd
Stop them with:  kill \$(cat .demo/*.pid)
MSG
