#!/usr/bin/env bash
# Installs the Debian packages the tests use when they are missing: Chromium for the console's
# browser tests and promtool (package prometheus) for the /metrics check. The tests never download
# a browser or a binary themselves. Needs root and the Debian package sources; without them the
# tests that need a missing tool fail with a message that names the package.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/promtool ] || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: missing ${missing[*]}; install with 'apt-get install -y ${missing[*]}' or the tests that need them fail" >&2
  exit 0
fi
echo "installing ${missing[*]} for the tests" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null 2>&1 \
  || echo "warning: could not install ${missing[*]}; the tests that need them will fail" >&2
exit 0
