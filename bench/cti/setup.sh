#!/usr/bin/env bash
# Builds the bench-only peers of the CTI benches (`npm run bench:cti`), never used at test time:
# a virtualenv in .bench/cti-venv with OASIS's reference pattern validator (stix2-patterns), its
# matcher (stix2-matcher) and dnstwist (look-alike permutations). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.bench/cti-venv"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install -q --disable-pip-version-check 'stix2-patterns==2.1.2' 'stix2-matcher==3.0.0' 'dnstwist==20250130'
"$venv/bin/python" -c 'import stix2patterns, stix2matcher, dnstwist; print("cti peers ready")'
