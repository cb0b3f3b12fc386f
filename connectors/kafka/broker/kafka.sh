#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft combined mode) on 127.0.0.1, without Docker.
#
#   kafka.sh start    fetch the jars (Maven Central, cached), format storage, start, wait until ready
#   kafka.sh stop     stop the broker cleanly (SIGTERM, then SIGKILL after 30 s) and delete its data
#   kafka.sh status   print the bootstrap address if running (exit 0), else exit 1
#   kafka.sh fetch    only fetch the jars into the cache
#
# Environment (all optional):
#   KAFKA_PORT             client port (default 9092); the controller uses KAFKA_CONTROLLER_PORT
#                          (default KAFKA_PORT + 1)
#   KAFKA_RUN_DIR          where pid, config and console log live (default .cache/kafka/run);
#                          one broker per run dir, so tests can run their own beside a user's
#   L1S_KAFKA_CACHE        jar cache (default <repo>/.cache/kafka); reused across runs
#   KAFKA_HEAP_OPTS        JVM heap flags (default -Xmx512m -Xms256m)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker (default 90)
#
# The version pinned in pom.xml is Kafka 3.9.x: 4.x removed protocol versions kafkajs uses (see pom.xml).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
cache="${L1S_KAFKA_CACHE:-$repo/.cache/kafka}"
libs="$cache/$version/libs"
run="${KAFKA_RUN_DIR:-$cache/run}"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
timeout="${KAFKA_START_TIMEOUT:-90}"

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() {
  [[ -f "$run/pid" ]] || return 1
  local pid
  pid="$(cat "$run/pid")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

fetch() {
  if [[ -f "$libs/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka $version jars from Maven Central; install it (apt-get install maven) or set KAFKA_BROKERS to an existing broker"
  command -v java >/dev/null || die "Java 17+ is needed to run the broker; install a JDK (apt-get install openjdk-17-jre-headless) or set KAFKA_BROKERS"
  log "fetching Kafka $version jars from Maven Central into $libs"
  rm -rf "$libs"
  mkdir -p "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$libs" >&2 ||
    die "mvn dependency:copy-dependencies failed (is Maven Central reachable?)"
  touch "$libs/.complete"
}

start() {
  local pid
  if pid="$(running_pid)"; then
    echo "127.0.0.1:$(cat "$run/port")"
    log "already running (pid $pid)"
    return 0
  fi
  fetch
  command -v java >/dev/null || die "Java 17+ is needed to run the broker"
  if port_answers "$port"; then die "port $port is taken; set KAFKA_PORT to a free port"; fi
  if port_answers "$controller_port"; then die "port $controller_port is taken; set KAFKA_CONTROLLER_PORT"; fi
  mkdir -p "$run"
  local data
  data="$(mktemp -d "${TMPDIR:-/tmp}/l1stream-kafka.XXXXXX")"
  echo "$data" >"$run/data"
  echo "$port" >"$run/port"
  sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$controller_port|g" -e "s|@LOG_DIR@|$data/logs|g" \
    "$here/server.properties.template" >"$run/server.properties"
  # A random cluster id: 16 random bytes, base64url without padding (what `random-uuid` prints),
  # not starting with '-' (it would be read as an option; Kafka's own Uuid.randomUuid avoids it too).
  local cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  local jvm=(java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m} -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$here/log4j.properties" -cp "$libs/*")
  "${jvm[@]}" kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$run/server.properties" >"$run/format.log" 2>&1 ||
    { cat "$run/format.log" >&2; die "formatting the storage failed"; }
  : >"$run/console.log"
  nohup "${jvm[@]}" kafka.Kafka "$run/server.properties" >>"$run/console.log" 2>&1 &
  pid=$!
  echo "$pid" >"$run/pid"
  local waited=0
  until port_answers "$port" && grep -q "Kafka Server started" "$run/console.log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$run/console.log" >&2
      rm -f "$run/pid"
      die "the broker exited during start-up (log above, full log in $run/console.log)"
    fi
    if ((waited >= timeout * 5)); then
      tail -n 40 "$run/console.log" >&2
      stop
      die "the broker did not answer within ${timeout}s"
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  log "Kafka $version running on 127.0.0.1:$port (pid $pid, data in $data)"
  echo "127.0.0.1:$port"
}

stop() {
  local pid
  if pid="$(running_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
      if ((waited >= 300)); then
        log "broker $pid did not stop in 30s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
      waited=$((waited + 1))
    done
    log "stopped (pid $pid)"
  else
    log "not running"
  fi
  rm -f "$run/pid"
  if [[ -f "$run/data" ]]; then
    local data
    data="$(cat "$run/data")"
    case "$data" in
      "${TMPDIR:-/tmp}"/l1stream-kafka.*) rm -rf "$data" ;;
    esac
    rm -f "$run/data"
  fi
}

status() {
  local pid
  if pid="$(running_pid)"; then
    echo "127.0.0.1:$(cat "$run/port")"
    return 0
  fi
  log "not running"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|stop|status|fetch" >&2; exit 2 ;;
esac
