#!/usr/bin/env bash
# Usage: ensure-command.sh <command> <Debian package> <what needs it>
# Some tests run a real program (curl, openssl). Install its Debian package when this run can
# (root with apt-get); otherwise stop and say how to install it. Never skip.
set -euo pipefail
command_name="$1"
package="$2"
needed_by="$3"
if command -v "$command_name" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "$command_name not found: installing Debian's package $package"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  exit 0
fi
echo "$needed_by need $command_name on PATH." >&2
echo "Install it with: sudo apt-get install $package   (Debian/Ubuntu), then run the tests again." >&2
exit 1
