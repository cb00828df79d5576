#!/usr/bin/env bash
# Puts a built provider binary into a Terraform filesystem mirror:
#   tools/mirror.sh BINARY VERSION [MIRROR_DIR]
# MIRROR_DIR defaults to ~/.terraform.d/plugins, a mirror terraform searches without any configuration.
set -euo pipefail
bin=$1 version=$2 dir=${3:-$HOME/.terraform.d/plugins}
os=$(go env GOOS) arch=$(go env GOARCH)
dest="$dir/registry.terraform.io/gatewayd/gatewayd/$version/${os}_${arch}"
mkdir -p "$dest"
cp "$bin" "$dest/terraform-provider-gatewayd_v$version"
echo "provider gatewayd/gatewayd $version installed in $dest"
