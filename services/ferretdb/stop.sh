#!/usr/bin/env bash
# Stops the FerretDB started by start.sh with the same environment. Data is kept.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
PORT="${IMPETUS_FERRETDB_PORT:-27018}"
DIR="${IMPETUS_FERRETDB_DIR:-$IMPETUS_SERVICES_DIR/ferretdb-$PORT}"
stop_pid "$DIR/ferretdb.pid" "${IMPETUS_STOP_GRACE:-15}"
