#!/usr/bin/env bash
# Starts Apache Kafka (KRaft, combined broker+controller, one node) on 127.0.0.1, from jars that
# Maven resolves from Maven Central via ./pom.xml, with the machine's Java 17. Idempotent: an
# instance already running on the port is left alone. Storage is formatted on first start only,
# so a stop/start keeps topics and committed offsets (the fault tests rely on that).
#
# Environment (all optional):
#   IMPETUS_KAFKA_PORT             PLAINTEXT listener (default 19092)
#   IMPETUS_KAFKA_CONTROLLER_PORT  KRaft controller listener (default PORT+1)
#   IMPETUS_KAFKA_SASL_PORT        SASL_PLAINTEXT listener, PLAIN and SCRAM (default PORT+2)
#   IMPETUS_KAFKA_DIR              data, config, log and pid (default $IMPETUS_SERVICES_DIR/kafka-PORT)
#   IMPETUS_KAFKA_HEAP             JVM heap (default 768m)
# SASL test users (also documented in docs/deployment.md): impetus / impetus-secret.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

PORT="${IMPETUS_KAFKA_PORT:-19092}"
CPORT="${IMPETUS_KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
SPORT="${IMPETUS_KAFKA_SASL_PORT:-$((PORT + 2))}"
DIR="${IMPETUS_KAFKA_DIR:-$IMPETUS_SERVICES_DIR/kafka-$PORT}"
HEAP="${IMPETUS_KAFKA_HEAP:-768m}"
LIB="$IMPETUS_SERVICES_CACHE/kafka-lib-$(sha1sum "$SERVICES_ROOT/kafka/pom.xml" | cut -c1-12)"
PIDFILE="$DIR/kafka.pid"

command -v java >/dev/null || { log "java not found (Java 17 is required)"; exit 1; }

already_up kafka "$PIDFILE" "$PORT" && exit 0

# 1. The broker's classpath, resolved once per pom version (jars cached in ~/.m2 as well).
if [ ! -f "$LIB/.complete" ]; then
  command -v mvn >/dev/null || { log "mvn not found (apt-get install maven)"; exit 1; }
  log "resolving Kafka jars from Maven Central into $LIB"
  rm -rf "$LIB" && mkdir -p "$LIB"
  mvn -q -B -f "$SERVICES_ROOT/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIB"
  touch "$LIB/.complete"
fi

mkdir -p "$DIR/data" "$DIR/logs"
SASL_JAAS_PLAIN='org.apache.kafka.common.security.plain.PlainLoginModule required user_impetus="impetus-secret";'
SASL_JAAS_SCRAM='org.apache.kafka.common.security.scram.ScramLoginModule required;'
cat > "$DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT,SASL_PLAINTEXT://127.0.0.1:$SPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT,SASL_PLAINTEXT://127.0.0.1:$SPORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=$SASL_JAAS_PLAIN
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=$SASL_JAAS_SCRAM
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$SASL_JAAS_SCRAM
log.dirs=$DIR/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# Tests restart the broker; a short shutdown keeps them quick without risking the log.
controlled.shutdown.enable=true
log.flush.interval.messages=1
PROPS
cat > "$DIR/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$DIR/logs/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
PROPS

JAVA_OPTS=(-Xms256m "-Xmx$HEAP" -XX:+UseG1GC -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$DIR/log4j.properties" "-Dkafka.logs.dir=$DIR/logs")

# 2. Format the KRaft storage once, with the SCRAM users the SASL tests log in as.
if [ ! -f "$DIR/data/meta.properties" ]; then
  CLUSTER_ID="$(java -cp "$LIB/*" "${JAVA_OPTS[@]}" kafka.tools.StorageTool random-uuid)"
  log "formatting KRaft storage in $DIR/data (cluster $CLUSTER_ID)"
  java -cp "$LIB/*" "${JAVA_OPTS[@]}" kafka.tools.StorageTool format --ignore-formatted \
    -t "$CLUSTER_ID" -c "$DIR/server.properties" \
    --add-scram 'SCRAM-SHA-256=[name=impetus,password=impetus-secret]' \
    --add-scram 'SCRAM-SHA-512=[name=impetus,password=impetus-secret]' >"$DIR/logs/format.log"
fi

# 3. Start in the background and wait until the broker has registered and serves clients.
# A fresh server.log per start, so the readiness check never matches a line from a previous run.
[ -f "$DIR/logs/server.log" ] && mv "$DIR/logs/server.log" "$DIR/logs/server.log.prev"
: > "$DIR/logs/stdout.log"
nohup java -cp "$LIB/*" "${JAVA_OPTS[@]}" kafka.Kafka "$DIR/server.properties" \
  >>"$DIR/logs/stdout.log" 2>&1 </dev/null &
echo $! > "$PIDFILE"
for _ in $(seq 1 1200); do
  if ! pid_alive "$PIDFILE"; then
    log "kafka exited during start-up; last lines of $DIR/logs:"
    tail -n 30 "$DIR/logs/stdout.log" "$DIR/logs/server.log" >&2 || true
    exit 1
  fi
  if port_open "$PORT" && grep -q 'Kafka Server started' "$DIR/logs/server.log" 2>/dev/null; then
    log "kafka $(ls "$LIB" | sed -n 's/^kafka_2.13-\(.*\)\.jar$/\1/p') up on 127.0.0.1:$PORT (SASL on $SPORT), pid $(cat "$PIDFILE")"
    exit 0
  fi
  sleep 0.1
done
log "kafka did not start within 120 s; see $DIR/logs"
exit 1
