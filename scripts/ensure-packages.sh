#!/usr/bin/env bash
# Makes sure the Debian packages the tests run as real programs are installed:
#   logrotate   the server's logrotate recipe is tested with /usr/sbin/logrotate
# Installs what is missing with apt-get when it can (root on Debian/Ubuntu); where it
# cannot, says how and exits 1: the tests that need a missing program then fail with
# their own error; they never skip.
#   bash scripts/ensure-packages.sh
set -euo pipefail

# package:program pairs
wanted=("logrotate:/usr/sbin/logrotate")

missing=()
for pair in "${wanted[@]}"; do
  pkg=${pair%%:*}
  bin=${pair#*:}
  [ -x "$bin" ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-packages: missing ${missing[*]}, and apt-get cannot be run here (needs root on Debian/Ubuntu)" >&2
    echo "  install them:  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  install() { apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
  # The package lists are read only when a package is not known yet (a fresh machine).
  if ! install; then
    echo "ensure-packages: updating apt's package lists" >&2
    apt-get update -q >/dev/null
    install
  fi
fi
for pair in "${wanted[@]}"; do
  bin=${pair#*:}
  [ -x "$bin" ] || { echo "ensure-packages: ${pair%%:*} installed, but no $bin" >&2; exit 1; }
  echo "ensure-packages: $bin"
done
