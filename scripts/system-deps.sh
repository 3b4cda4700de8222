#!/usr/bin/env bash
# What the tests need from the system besides Node: a real Redis server (cluster and
# revocation tests) and Debian's Chromium (browser tests). Installed only when missing,
# with one `apt-get update`; CI runs this as root on a clean machine. Nothing else
# downloads a browser or a binary of its own.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ${missing[*]} (needed by the tests)" >&2
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
  command -v sudo >/dev/null 2>&1 || { echo "missing ${missing[*]}: run as root, or install them: apt-get install -y ${missing[*]}" >&2; exit 1; }
else
  sudo=
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
