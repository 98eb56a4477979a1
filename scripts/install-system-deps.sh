#!/usr/bin/env bash
# Installs the Debian packages plangraph needs, only when they are missing (idempotent).
#   runtime (default):  hunspell-de-de-frami  the German dictionary that confirms OCR repairs
#                       libenchant-2-2        the spell-checking library pyenchant binds to
#   test:               the runtime packages, and chromium for the browser tests (driven by Playwright
#                       through its executable path: no browser download at run time)
set -euo pipefail

packages=(hunspell-de-de-frami libenchant-2-2)
if [ "${1:-runtime}" = "test" ]; then
  packages+=(chromium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "plangraph needs the Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
