#!/usr/bin/env bash
# Starts FerretDB (a MongoDB-wire-compatible server) with its SQLite backend on 127.0.0.1.
# The binary is built once from FerretDB's Go module (no binary download): the module source is
# fetched through the Go module proxy, its build/version/version.txt is filled in (the release
# build does that with `task gen-version`; without it the binary refuses to start), and
# `go build ./cmd/ferretdb` produces the server. Idempotent: a running instance is left alone.
#
# Environment (all optional):
#   IMPETUS_FERRETDB_PORT   listen port (default 27018, so a local mongod on 27017 is untouched)
#   IMPETUS_FERRETDB_DIR    SQLite files, log and pid (default $IMPETUS_SERVICES_DIR/ferretdb-PORT)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

VERSION="v1.24.2"
PORT="${IMPETUS_FERRETDB_PORT:-27018}"
DIR="${IMPETUS_FERRETDB_DIR:-$IMPETUS_SERVICES_DIR/ferretdb-$PORT}"
BIN="$IMPETUS_SERVICES_CACHE/ferretdb-$VERSION/ferretdb"
PIDFILE="$DIR/ferretdb.pid"

already_up ferretdb "$PIDFILE" "$PORT" && exit 0

if [ ! -x "$BIN" ]; then
  # The Go toolchain is often installed outside the default PATH.
  command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && PATH="$PATH:/usr/local/go/bin"; } || true
  command -v go >/dev/null || { log "go not found (Go >= 1.22 is required to build FerretDB)"; exit 1; }
  log "building FerretDB $VERSION from its Go module (first run only)"
  SRC="$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$SRC" ] || { log "could not download the FerretDB module"; exit 1; }
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  cp -r "$SRC" "$WORK/src" && chmod -R u+w "$WORK/src"
  echo "$VERSION" > "$WORK/src/build/version/version.txt"
  mkdir -p "$(dirname "$BIN")"
  (cd "$WORK/src" && CGO_ENABLED=0 go build -trimpath -o "$BIN.tmp" ./cmd/ferretdb)
  mv "$BIN.tmp" "$BIN"
fi

mkdir -p "$DIR/data" "$DIR/state"
: > "$DIR/ferretdb.log"
nohup "$BIN" --handler=sqlite --sqlite-url="file:$DIR/data/" \
  --listen-addr="127.0.0.1:$PORT" --state-dir="$DIR/state" --debug-addr=- \
  --telemetry=disable --log-level=warn >>"$DIR/ferretdb.log" 2>&1 </dev/null &
echo $! > "$PIDFILE"
for _ in $(seq 1 300); do
  if ! pid_alive "$PIDFILE"; then
    log "ferretdb exited during start-up:"; tail -n 30 "$DIR/ferretdb.log" >&2 || true; exit 1
  fi
  if port_open "$PORT"; then
    log "ferretdb $VERSION (SQLite backend) up on 127.0.0.1:$PORT, pid $(cat "$PIDFILE")"
    exit 0
  fi
  sleep 0.1
done
log "ferretdb did not start within 30 s; see $DIR/ferretdb.log"
exit 1
