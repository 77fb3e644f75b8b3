#!/usr/bin/env bash
# Stops the Kafka started by start.sh with the same environment. Data is kept.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
PORT="${IMPETUS_KAFKA_PORT:-19092}"
DIR="${IMPETUS_KAFKA_DIR:-$IMPETUS_SERVICES_DIR/kafka-$PORT}"
stop_pid "$DIR/kafka.pid" "${IMPETUS_STOP_GRACE:-30}"
