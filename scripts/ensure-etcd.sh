#!/usr/bin/env bash
# Makes sure an `etcd` server binary is on PATH for the tests that run real etcd.
# Finds it on PATH (or in /usr/bin, where Debian's package puts it); otherwise installs
# Debian's `etcd-server` package with apt-get when it can (root on Debian/Ubuntu).
# Where it cannot, it says how to install etcd and exits 1: the etcd tests then fail
# with the same advice; they never skip.
#   bash scripts/ensure-etcd.sh          # prints the etcd path and version
set -euo pipefail

advice() {
  cat >&2 <<'MSG'
etcd is needed by the etcd tests (registration and discovery) and is not installed.
Install it, then run the tests again:
  Debian/Ubuntu:  sudo apt-get install etcd-server      (etcd 3.4 or later)
  elsewhere:      put an `etcd` 3.4+ binary on PATH (https://etcd.io/docs/ "Install")
MSG
}

found() {
  command -v etcd 2>/dev/null || { [ -x /usr/bin/etcd ] && echo /usr/bin/etcd; } || true
}

bin=$(found)
if [ -z "$bin" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-etcd: no etcd on PATH, and apt-get cannot be run here (needs root on Debian/Ubuntu)" >&2
    advice
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  install() { apt-get install -y -q --no-install-recommends etcd-server >/dev/null; }
  # The package lists are read only when the package is not known yet (a fresh machine).
  if ! apt-cache show etcd-server >/dev/null 2>&1 || ! install; then
    echo "ensure-etcd: updating apt's package lists" >&2
    apt-get update -q >/dev/null
    install || { advice; exit 1; }
  fi
  # The package starts a system etcd on the default ports: the tests start their own.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
    systemctl stop etcd || true
  fi
  bin=$(found)
  if [ -z "$bin" ]; then
    echo "ensure-etcd: etcd-server installed, but no etcd binary found" >&2
    advice
    exit 1
  fi
fi
echo "ensure-etcd: $bin ($("$bin" --version 2>/dev/null | head -1))"
