#!/usr/bin/env bash
# The HTTP API tests and the async HTTP example's test run the real curl binary. Install it
# when this run can (root with apt-get); otherwise stop and say how to install it. Never skip.
set -euo pipefail
if command -v curl >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "curl not found: installing Debian's package"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
  exit 0
fi
echo "The HTTP API tests need curl on PATH." >&2
echo "Install it with: sudo apt-get install curl   (Debian/Ubuntu), then run the tests again." >&2
exit 1
