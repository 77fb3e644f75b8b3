#!/usr/bin/env bash
# Stops the services started by up.sh (their data stays in $IMPETUS_SERVICES_DIR).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$SERVICES_ROOT/mosquitto/stop.sh"
"$SERVICES_ROOT/ferretdb/stop.sh"
"$SERVICES_ROOT/kafka/stop.sh"
