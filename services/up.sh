#!/usr/bin/env bash
# Starts every service the system tests use (Kafka, FerretDB, Mosquitto) and writes their
# addresses to $IMPETUS_SERVICES_DIR/env, which .ci/run sources before `npm test`:
#   source <(services/up.sh --print-env)     # or: services/up.sh && source .services/env
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$SERVICES_ROOT/kafka/start.sh"
"$SERVICES_ROOT/ferretdb/start.sh"
"$SERVICES_ROOT/mosquitto/start.sh"
mkdir -p "$IMPETUS_SERVICES_DIR"
cat > "$IMPETUS_SERVICES_DIR/env" <<ENV
export IMPETUS_KAFKA_BROKERS=127.0.0.1:${IMPETUS_KAFKA_PORT:-19092}
export IMPETUS_KAFKA_SASL_BROKERS=127.0.0.1:${IMPETUS_KAFKA_SASL_PORT:-$(( ${IMPETUS_KAFKA_PORT:-19092} + 2 ))}
export IMPETUS_MONGO_URL=mongodb://127.0.0.1:${IMPETUS_FERRETDB_PORT:-27018}/
export IMPETUS_MQTT_URL=mqtt://127.0.0.1:${IMPETUS_MOSQUITTO_PORT:-11883}
export IMPETUS_KAFKA_PID=$(cat "${IMPETUS_KAFKA_DIR:-$IMPETUS_SERVICES_DIR/kafka-${IMPETUS_KAFKA_PORT:-19092}}/kafka.pid")
ENV
if [ "${1:-}" = "--print-env" ]; then cat "$IMPETUS_SERVICES_DIR/env"; else log "addresses in $IMPETUS_SERVICES_DIR/env"; fi
