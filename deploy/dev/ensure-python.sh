#!/usr/bin/env bash
# Create the virtualenv; on a bare Debian, install the venv module first.
set -euo pipefail
python=$1
venv=$2
[ -x "$venv/bin/python" ] && exit 0
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  echo "python3-venv is missing; installing it with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  "$python" -m venv "$venv"
fi
