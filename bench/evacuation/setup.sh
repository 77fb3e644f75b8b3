#!/usr/bin/env bash
# The bench-only virtualenv for the JuPedSim comparison (never used at test time):
# bench/evacuation/.venv with jupedsim from PyPI. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x "$here/.venv/bin/python" ]; then python3 -m venv "$here/.venv"; fi
"$here/.venv/bin/pip" install --quiet --disable-pip-version-check 'jupedsim==1.4.2'
"$here/.venv/bin/python" -c 'import jupedsim; print("jupedsim", jupedsim.__version__)'
