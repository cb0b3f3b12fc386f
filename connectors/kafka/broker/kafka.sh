#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft combined mode) on 127.0.0.1, without Docker.
#
#   kafka.sh start    fetch the jars (Maven Central, cached), format storage, start, wait until ready
#   kafka.sh stop     stop the broker cleanly (SIGTERM, then SIGKILL after 30 s) and delete its data
#   kafka.sh restart [SECONDS]
#                     stop the broker, keep its data, wait SECONDS (default 0), start it again on
#                     the same data and port (an outage, for tests of clients that must survive one)
#   kafka.sh status   print the bootstrap address if running (exit 0), else exit 1
#   kafka.sh fetch    only fetch the jars into the cache
#   kafka.sh version  print the Kafka version this invocation would use
#
# Environment (all optional):
#   KAFKA_VERSION          Apache Kafka version, 4.x or 3.x (default: kafka.version in pom.xml, the
#                          newest 4.x Maven Central served: 4.4.0). Tested: 4.4.0 and 3.9.1 (CI runs
#                          test/kafka against both); 4.0.2, 4.1.1 and 4.3.1 passed the same suite by hand.
#   KAFKA_PORT             client port (default 9092); the controller uses KAFKA_CONTROLLER_PORT
#                          (default KAFKA_PORT + 1)
#   KAFKA_RUN_DIR          where pid, config and console log live (default .cache/kafka/run);
#                          one broker per run dir, so tests can run their own beside a user's
#   L1S_KAFKA_CACHE        jar cache (default <repo>/.cache/kafka, jars in <version>/libs); reused
#   KAFKA_HEAP_OPTS        JVM heap flags (default -Xmx512m -Xms256m)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker (default 90)
#
# 4.x logs through log4j2 (log4j2.xml), 3.x through reload4j (log4j.properties); pom.xml picks the
# binding by major version. kafkajs 2.2.4 works with both lines (see pom.xml and the README).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
default_version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
version="${KAFKA_VERSION:-$default_version}"
major="${version%%.*}"
cache="${L1S_KAFKA_CACHE:-$repo/.cache/kafka}"
libs="$cache/$version/libs"
run="${KAFKA_RUN_DIR:-$cache/run}"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
timeout="${KAFKA_START_TIMEOUT:-90}"

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=../lib/process.sh
source "$here/../lib/process.sh"

[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "KAFKA_VERSION must look like 4.4.0 (got '$version')"
case "$major" in
  4) mvn_args=(-Dkafka.version="$version")
     log_config=("-Dlog4j2.configurationFile=file:$here/log4j2.xml") ;;
  3) mvn_args=(-Dkafka.version="$version" -Dkafka.major=3)
     log_config=("-Dlog4j.configuration=file:$here/log4j.properties") ;;
  *) die "Kafka $version: only 3.x and 4.x brokers are supported" ;;
esac

# True when the broker answers a Metadata request (v4, all topics; every 3.x and 4.x broker
# accepts v4) with at least one broker in it: it is serving requests, not only listening.
# Response v4: size, correlation id, throttle time, then the broker array's length (bytes 12-15).
metadata_answers() {
  local count
  count="$(
    { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || exit 1
    printf '\x00\x00\x00\x17\x00\x03\x00\x04\x00\x00\x00\x01\x00\x08kafka.sh\xff\xff\xff\xff\x00' >&3
    timeout 5 head -c 16 <&3 | od -An -v -tu1 | tr -s ' \n' ' '
  )" 2>/dev/null || return 1
  read -r -a bytes <<<"$count"
  ((${#bytes[@]} == 16)) || return 1
  ((bytes[12] + bytes[13] + bytes[14] + bytes[15] > 0))
}

fetch() {
  if [[ -f "$libs/.complete" ]]; then return 0; fi
  # tests start two versions side by side: one Maven at a time
  mkdir -p "$cache"
  with_lock "$cache/.fetch.lock" fetch_now
}

fetch_now() {
  if [[ -f "$libs/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka $version jars from Maven Central; install it (apt-get install maven) or set KAFKA_BROKERS to an existing broker"
  command -v java >/dev/null || die "Java 17+ is needed to run the broker; install a JDK (apt-get install openjdk-17-jre-headless) or set KAFKA_BROKERS"
  log "fetching Kafka $version jars from Maven Central into $libs"
  rm -rf "$libs"
  mkdir -p "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies "${mvn_args[@]}" -DoutputDirectory="$libs" >&2 ||
    die "mvn dependency:copy-dependencies failed for Kafka $version (is Maven Central reachable, and does it serve org.apache.kafka:kafka_2.13:$version?)"
  touch "$libs/.complete"
}

start() {
  local pid
  if pid="$(running_pid)"; then
    echo "127.0.0.1:$(cat "$run/port")"
    log "Kafka $(cat "$run/version" 2>/dev/null || echo '?') already running (pid $pid)"
    [[ "$(cat "$run/version" 2>/dev/null)" == "$version" ]] ||
      log "warning: that is not Kafka $version; stop it first, or use another KAFKA_RUN_DIR and KAFKA_PORT"
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
  echo "$version" >"$run/version"
  sed -e "s|@PORT@|$port|g" -e "s|@CONTROLLER_PORT@|$controller_port|g" -e "s|@LOG_DIR@|$data/logs|g" \
    "$here/server.properties.template" >"$run/server.properties"
  # Format without --standalone: controller.quorum.voters names the (static) quorum, and 4.x refuses
  # the two together. A random cluster id: 16 random bytes, base64url without padding (what `random-uuid` prints),
  # not starting with '-' (it would be read as an option; Kafka's own Uuid.randomUuid avoids it too).
  local cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  local jvm=(java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m} -Djava.awt.headless=true
    "${log_config[@]}" -cp "$libs/*")
  "${jvm[@]}" kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$run/server.properties" >"$run/format.log" 2>&1 ||
    { cat "$run/format.log" >&2; die "formatting the storage failed"; }
  launch "$data"
}

# Ready: the port answers, the broker logged "Kafka Server started" and a Metadata request lists it.
broker_ready() {
  port_answers "$port" && grep -q "Kafka Server started" "$run/console.log" && metadata_answers "$port"
}

# Starts the broker on the configuration and data already in $run, and waits until it answers.
launch() {
  local data="$1" pid
  local jvm=(java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m} -Djava.awt.headless=true
    "${log_config[@]}" -cp "$libs/*")
  : >"$run/console.log"
  nohup "${jvm[@]}" kafka.Kafka "$run/server.properties" >>"$run/console.log" 2>&1 &
  pid=$!
  echo "$pid" >"$run/pid"
  wait_ready "$pid" broker broker_ready
  log "Kafka $version running on 127.0.0.1:$port (pid $pid, data in $data)"
  echo "127.0.0.1:$port"
}

# Stops the broker process (SIGTERM, SIGKILL after 30 s), leaving its data and configuration.
halt() { stop_running broker; }

stop() {
  halt
  rm -f "$run/version"
  if [[ -f "$run/data" ]]; then
    local data
    data="$(cat "$run/data")"
    case "$data" in
      "${TMPDIR:-/tmp}"/l1stream-kafka.*) rm -rf "$data" ;;
    esac
    rm -f "$run/data"
  fi
}

restart() {
  local pause="${1:-0}"
  [[ -f "$run/data" && -f "$run/server.properties" ]] || die "no broker to restart in $run (start one first)"
  local data
  data="$(cat "$run/data")"
  port="$(cat "$run/port")"
  halt
  sleep "$pause"
  launch "$data"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    echo "127.0.0.1:$(cat "$run/port")"
    log "Kafka $(cat "$run/version" 2>/dev/null || echo '?') (pid $pid)"
    return 0
  fi
  log "not running"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart "${2:-0}" ;;
  status) status ;;
  fetch) fetch ;;
  version) echo "$version" ;;
  *) echo "usage: $0 start|stop|restart [SECONDS]|status|fetch|version" >&2; exit 2 ;;
esac
