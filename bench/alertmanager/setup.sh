#!/usr/bin/env bash
# Builds the bench-only peer of `npm run bench:alert-throughput`, never used at test time:
# Prometheus Alertmanager from its Go module, with the machine's Go, into .bench/alertmanager/.
# The module zip lacks the web UI's built files (ui/app/dist/{elm,mantine}); the UI is not what we
# measure, so an empty index.html in each lets it build. Idempotent; building costs minutes of CPU.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="${ALERTMANAGER_VERSION:-v0.35.0}"
out="$root/.bench/alertmanager"
bin="$out/alertmanager-$version"
if [ -x "$bin" ]; then echo "alertmanager $version ready: $bin"; exit 0; fi
mkdir -p "$out"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
GOFLAGS=-mod=mod go mod download -json "github.com/prometheus/alertmanager@$version" > mod.json
dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' mod.json)"
cp -r "$dir" src
chmod -R u+w src
for ui in elm mantine; do
  mkdir -p "src/ui/app/dist/$ui"
  [ -f "src/ui/app/dist/$ui/index.html" ] || echo '<!doctype html><title>alertmanager</title>' > "src/ui/app/dist/$ui/index.html"
done
cd src
nice -n 10 go build -trimpath -o "$bin.tmp" ./cmd/alertmanager
mv "$bin.tmp" "$bin"
echo "alertmanager $version ready: $bin"
