#!/usr/bin/env bash
# The dashboard tests drive a real headless Chromium (Debian's package) with playwright-core.
# Install it when this run can (root with apt-get); otherwise stop and say how. Never skip.
set -euo pipefail
for candidate in "${CHROMIUM_BIN:-}" /usr/bin/chromium; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium not found: installing Debian's package"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The dashboard tests need Chromium at /usr/bin/chromium (or set CHROMIUM_BIN)." >&2
echo "Install it with: sudo apt-get install chromium   (Debian/Ubuntu), then run the tests again." >&2
exit 1
