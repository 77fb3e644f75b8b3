# Shared by the service scripts: where state, logs and cached builds live, and small helpers.
# Sourced, not run. Every path can be overridden so tests can run private instances.

SERVICES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SERVICES_ROOT/.." && pwd)"
# Per-checkout state (data, logs, pid files); ignored by git.
: "${IMPETUS_SERVICES_DIR:=$REPO_ROOT/.services}"
# Built binaries and resolved jars, shared by every checkout on the machine so CI reuses them.
: "${IMPETUS_SERVICES_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/impetus-services}"

log() { echo "[services] $*" >&2; }

# port_open PORT: true once something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_alive FILE: true when FILE names a running process.
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# already_up NAME PIDFILE PORT: true, and says so, when our instance of NAME is up on PORT; the
# start scripts are idempotent with it (`already_up kafka "$PIDFILE" "$PORT" && exit 0`).
already_up() {
  pid_alive "$2" && port_open "$3" || return 1
  log "$1 already running on 127.0.0.1:$3 (pid $(cat "$2"))"
}

# stop_pid FILE [GRACE_SECONDS]: SIGTERM, then SIGKILL after the grace period; removes FILE.
stop_pid() {
  local file="$1" grace="${2:-20}" pid
  if ! pid_alive "$file"; then rm -f "$file"; return 0; fi
  pid="$(cat "$file")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 10))); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$file"; return 0; }
    sleep 0.1
  done
  log "pid $pid ignored SIGTERM for ${grace}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$file"
}
