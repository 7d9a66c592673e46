#!/usr/bin/env bash
# Makes sure `promtool` and `prometheus` binaries are at hand for the metrics tests, and
# prints the folder that holds both (one line on stdout; what it did goes to stderr).
# Uses them from PATH, else from the cache folder; otherwise downloads Debian's
# `prometheus` package with `apt-get download` (no install, no service started) and
# unpacks its binaries into the cache with dpkg-deb. Where it cannot, it says how to get
# them and exits 1: the metrics tests then fail with the same advice; they never skip.
#   bash scripts/ensure-prometheus.sh     # prints e.g. /root/.cache/clogs/prometheus/usr/bin
# CLOGS_PROMETHEUS_CACHE overrides the cache folder.
set -euo pipefail

cache=${CLOGS_PROMETHEUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clogs/prometheus}

advice() {
  cat >&2 <<'MSG'
promtool and prometheus are needed by the metrics tests and were not found.
Get them, then run the tests again:
  Debian/Ubuntu:  sudo apt-get install prometheus      (2.x; the service need not run)
  elsewhere:      put `promtool` and `prometheus` 2.x on PATH (https://prometheus.io/download/)
MSG
}

usable() { [ -x "$1/promtool" ] && [ -x "$1/prometheus" ]; }

on_path() {
  local promtool
  promtool=$(command -v promtool 2>/dev/null) || return 1
  usable "$(dirname "$promtool")" && dirname "$promtool"
}

say() { echo "ensure-prometheus: $*" >&2; }

if dir=$(on_path); then
  :
elif usable "$cache/usr/bin"; then
  dir=$cache/usr/bin
else
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    say "no promtool/prometheus on PATH or in $cache, and no apt-get/dpkg-deb to fetch them"
    advice
    exit 1
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  fetch() { (cd "$work" && apt-get download -q prometheus >/dev/null 2>&1); }
  # The package lists are read only when the package is not known yet (a fresh machine).
  if ! fetch; then
    if [ "$(id -u)" != 0 ]; then
      say "apt-get download prometheus failed (apt's package lists may need 'apt-get update' as root)"
      advice
      exit 1
    fi
    say "updating apt's package lists"
    apt-get update -q >/dev/null
    fetch || { say "apt-get download prometheus failed"; advice; exit 1; }
  fi
  # Unpacked beside the cache and moved in whole, so a run that dies midway leaves no half copy.
  mkdir -p "$(dirname "$cache")"
  unpacked=$(mktemp -d "$(dirname "$cache")/.prometheus.XXXXXX")
  dpkg-deb -x "$work"/prometheus_*.deb "$unpacked"
  rm -rf "$cache"
  mv "$unpacked" "$cache"
  dir=$cache/usr/bin
  usable "$dir" || { say "the package holds no promtool/prometheus"; advice; exit 1; }
  say "unpacked Debian's prometheus package into $cache"
fi
say "$dir ($("$dir/prometheus" --version 2>&1 | head -1))"
echo "$dir"
