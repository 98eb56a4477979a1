#!/usr/bin/env bash
# Installs the Debian packages plangraph needs, only when they are missing (idempotent).
#   runtime (default):  hunspell-de-de-frami  the German dictionary that confirms OCR repairs
#                       libenchant-2-2        the spell-checking library pyenchant binds to
#   test:               the runtime packages, and chromium for the browser tests (driven by Playwright
#                       through its executable path: no browser download at run time), and
#                       virtuoso-opensource, the SPARQL store the remote-store tests and benchmarks start on
#                       loopback themselves (scripts/local_virtuoso.py); its Debian service is never left running
set -euo pipefail

packages=(hunspell-de-de-frami libenchant-2-2)
if [ "${1:-runtime}" = "test" ]; then
  packages+=(chromium virtuoso-opensource)
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
# No questions (virtuoso's debconf asks for a DBA password: left empty, the package keeps dba/dba and disables
# its service), and no maintainer script may start a service: there is no systemd here, and virtuoso's postinst
# would start its default instance on ports 8890/1111. A policy-rc.d that forbids it, for this run only.
export DEBIAN_FRONTEND=noninteractive
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
# Should the Debian service have started after all, stop it: tests start their own Virtuoso.
if [ -x /etc/init.d/virtuoso-opensource-7 ]; then
  /etc/init.d/virtuoso-opensource-7 stop >/dev/null 2>&1 || true
fi
