#!/usr/bin/env bash
# Installs everything headshot-audit needs on a fresh Debian machine (run as root), into ./.venv.
# Safe to run again: it installs only what is missing.
# --test also installs what only the tests need: a headless browser for report.html (chromium and
# its WebDriver; the Python side, selenium, is in the `test` extra). scripts/test.sh passes it.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(python3 python3-venv python3-pip libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
      fonts-dejavu-core poppler-utils)
if [ "${1:-}" = "--test" ]; then
  debs+=(chromium chromium-driver)
fi
missing=()
for d in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "install ok installed" || missing+=("$d")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

py=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"
# An editable install leaves byte-compiling our modules to each import, and where
# PYTHONDONTWRITEBYTECODE is set (as on CI machines) every run compiled them again: ~0.15 s of a
# 2 s re-run. Compiled once here; a changed source is still compiled afresh (its .pyc is stale).
.venv/bin/python -m compileall -q audit
