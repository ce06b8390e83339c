#!/usr/bin/env bash
# Sets up (see setup.sh) and runs the whole test suite. pytest's "no tests collected" (exit 5)
# is a failure here: a green run must mean tests ran.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit $?
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "test.sh: pytest collected no tests; failing" >&2
  exit 1
fi
exit "$rc"
