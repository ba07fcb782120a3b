#!/usr/bin/env bash
# Installs Debian packages for a CI step (apt-get update, then a non-interactive install without recommends),
# through sudo unless running as root. The callers check first that something is missing.
# Usage: tests/ci/apt-install.sh PACKAGE...
set -euo pipefail

sudo_cmd=()
if [[ "$(id -u)" != "0" ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "apt-install: $* missing, and this user is not root and has no sudo to install them" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "$@" >/dev/null
