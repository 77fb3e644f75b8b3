#!/usr/bin/env bash
# Stops the Mosquitto started by start.sh with the same environment.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
PORT="${IMPETUS_MOSQUITTO_PORT:-11883}"
DIR="${IMPETUS_MOSQUITTO_DIR:-$IMPETUS_SERVICES_DIR/mosquitto-$PORT}"
stop_pid "$DIR/mosquitto.pid" "${IMPETUS_STOP_GRACE:-10}"
