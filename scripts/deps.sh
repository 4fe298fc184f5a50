#!/usr/bin/env bash
# Installs the Debian 12 packages cirrus needs to build, run, test and
# benchmark. Idempotent: it asks apt only for what dpkg says is missing, so a
# ready machine costs ~0.1 s. Needs root (or sudo) and Debian's apt mirrors.
set -euo pipefail
PKGS=(
  # build
  build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev
  libsodium-dev uuid-dev libinih-dev libssl-dev
  # unit tests
  libcmocka-dev
  # API and client tests (Debian's /usr/bin/python3 sees these)
  python3 python3-pytest python3-pytest-timeout python3-requests python3-cryptography
  python3-openstackclient python3-openstacksdk
  # benchmark
  wrk procps
  # qemu driver and its test guest (tools/build-guest.sh)
  qemu-system-x86 qemu-utils genisoimage busybox-static cpio dosfstools syslinux
  syslinux-common mtools kmod xz-utils iproute2
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may still be running its own apt job; mirrors hiccup.
APT=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
for try in 1 2 3; do
  if $SUDO apt-get "${APT[@]}" update -qq &&
     $SUDO apt-get "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}"; then
    exit 0
  fi
  echo "deps: apt failed (try $try), retrying" >&2
  sleep $((try * 10))
done
exit 1
