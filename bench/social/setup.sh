#!/usr/bin/env bash
# Bench-only peer for `npm run bench:social`: the reference vaderSentiment (PyPI, MIT) in a
# virtualenv under .bench/social-venv. Never used by tests or at run time. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.bench/social-venv"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install -q --disable-pip-version-check 'vaderSentiment==3.3.2'
echo "vaderSentiment 3.3.2 in $venv"
