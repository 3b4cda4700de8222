#!/bin/sh
# System packages the tests need besides Node's: redis-server (the cluster and
# revocation tests start real ones) and chromium (the browser tests). Run by
# `npm test` (pretest). Installs what is missing with apt-get, when it can: as root
# (CI on a clean Debian/Ubuntu machine) or with sudo that needs no password. Otherwise
# it says what to install and goes on; the tests that need it then fail saying so.
set -eu

missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing:$missing (no apt-get here: install them yourself)" >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  echo "system-deps: missing:$missing (run: sudo apt-get install -y$missing)" >&2
  exit 0
fi

echo "system-deps: installing$missing" >&2
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends $missing
