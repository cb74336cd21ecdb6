#!/usr/bin/env bash
# The NATS test suites start their own nats-server processes. Install the server when this
# run can (root with apt-get); otherwise stop and say how to install it. Never skip.
set -euo pipefail
# The same places the tests look (tools/nats-server.ts).
for candidate in "${NATS_SERVER_BIN:-}" /usr/sbin/nats-server /usr/bin/nats-server /usr/local/bin/nats-server; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if command -v nats-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "nats-server not found: installing Debian's package"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  exit 0
fi
echo "The NATS test suites need nats-server (2.9 or newer) on PATH." >&2
echo "Install it with: sudo apt-get install nats-server   (Debian/Ubuntu)" >&2
echo "or download a release binary and put it on PATH, then run the tests again." >&2
exit 1
