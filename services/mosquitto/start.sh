#!/usr/bin/env bash
# Starts Mosquitto, Debian's MQTT broker (apt-get install mosquitto), on 127.0.0.1 for the tests
# that take readings over MQTT through Node-RED's own mqtt nodes. Loopback only and anonymous:
# a test broker that nothing outside the machine can reach, so it needs no users. Its own
# process with its own config, never the system daemon the package installs (which CI neither
# starts nor needs). Nothing is persisted: a retained message must not outlive a test run.
# Idempotent: an instance already running on the port is left alone.
#
# Environment (all optional):
#   IMPETUS_MOSQUITTO_PORT  listen port (default 11883, so a local broker on 1883 is untouched)
#   IMPETUS_MOSQUITTO_DIR   config, log and pid (default $IMPETUS_SERVICES_DIR/mosquitto-PORT)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

PORT="${IMPETUS_MOSQUITTO_PORT:-11883}"
DIR="${IMPETUS_MOSQUITTO_DIR:-$IMPETUS_SERVICES_DIR/mosquitto-$PORT}"
PIDFILE="$DIR/mosquitto.pid"

already_up mosquitto "$PIDFILE" "$PORT" && exit 0

# Debian installs the broker in /usr/sbin, which is not on every user's PATH.
BIN="$(command -v mosquitto || true)"
[ -n "$BIN" ] || { [ -x /usr/sbin/mosquitto ] && BIN=/usr/sbin/mosquitto; } || true
[ -n "$BIN" ] || { log "mosquitto not found (apt-get install mosquitto)"; exit 1; }

mkdir -p "$DIR"
# The log goes to stderr and the shell writes the file: started as root, mosquitto drops to its
# own user, which could not open a file in this directory.
cat > "$DIR/mosquitto.conf" <<CONF
listener $PORT 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
CONF
: > "$DIR/mosquitto.log"
nohup "$BIN" -c "$DIR/mosquitto.conf" >>"$DIR/mosquitto.log" 2>&1 </dev/null &
echo $! > "$PIDFILE"
for _ in $(seq 1 100); do
  if ! pid_alive "$PIDFILE"; then
    log "mosquitto exited during start-up:"; tail -n 30 "$DIR/mosquitto.log" >&2 || true; exit 1
  fi
  if port_open "$PORT"; then
    log "$("$BIN" -h 2>/dev/null | head -n 1) up on 127.0.0.1:$PORT, pid $(cat "$PIDFILE")"
    exit 0
  fi
  sleep 0.1
done
log "mosquitto did not start within 10 s; see $DIR/mosquitto.log"
exit 1
