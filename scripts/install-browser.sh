#!/usr/bin/env bash
# Installs Debian's Chromium for the console's browser tests when it is missing (the tests never
# download a browser). Needs root and the Debian package sources; without them the browser tests
# are skipped with a message that names this script.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: /usr/bin/chromium is missing; install it with 'apt-get install -y chromium' to run the browser tests" >&2
  exit 0
fi
echo "installing chromium for the browser tests" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
  || echo "warning: could not install chromium; the browser tests will be skipped" >&2
exit 0
