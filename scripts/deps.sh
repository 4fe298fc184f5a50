#!/usr/bin/env bash
# Installs the Debian packages cirrus needs to build, run and test. Idempotent:
# it asks apt only for what dpkg says is missing, so a ready machine costs ~0.1 s.
set -euo pipefail
PKGS=(build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
      libpq-dev libsodium-dev uuid-dev libinih-dev libcmocka-dev libssl-dev
      python3-pytest python3-requests python3-openstackclient python3-openstacksdk
      wrk procps)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
