#!/usr/bin/env bash
# Apicurio Registry 3.x (in-memory storage) on 127.0.0.1, without Docker: a schema registry that
# serves the Confluent API under /apis/ccompat/v7, for the Avro tests and local runs.
#
#   apicurio.sh start    fetch the distribution (Maven Central, cached), start it, wait until the
#                        Confluent API answers; prints its URL (http://127.0.0.1:PORT/apis/ccompat/v7)
#   apicurio.sh stop     stop it (SIGTERM, then SIGKILL after 30 s); its schemas are gone with it
#   apicurio.sh status   print the URL if running (exit 0), else exit 1
#   apicurio.sh fetch    only fetch the distribution into the cache
#   apicurio.sh version  print the Apicurio Registry version this invocation would use
#
# The distribution is Maven Central's io.apicurio:apicurio-registry-app:<version>:tar.gz:all (the
# Quarkus application with its libraries, ~160 MB), fetched with Maven and unpacked into
# .cache/apicurio/<version>. It needs Java 21+ (its classes are built for 21): the first of
# APICURIO_JAVA, $JAVA_HOME/bin/java, `java` on PATH and /usr/lib/jvm/*/bin/java that is 21 or newer.
#
# Environment (all optional):
#   APICURIO_VERSION          default 3.3.3 (the newest 3.x Maven Central served)
#   APICURIO_PORT             HTTP port (default 8081, the Confluent registry's); its management
#                             interface (health) uses APICURIO_MANAGEMENT_PORT (default port + 1)
#   APICURIO_RUN_DIR          pid, port and console log (default .cache/apicurio/run); one per dir
#   L1S_APICURIO_CACHE        distribution cache (default <repo>/.cache/apicurio)
#   APICURIO_HEAP_OPTS        JVM heap flags (default -Xmx384m)
#   APICURIO_START_TIMEOUT    seconds to wait for it (default 120)
#   APICURIO_JAVA             a java binary (21+) to use
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
version="${APICURIO_VERSION:-3.3.3}"
cache="${L1S_APICURIO_CACHE:-$repo/.cache/apicurio}"
app="$cache/$version"
run="${APICURIO_RUN_DIR:-$cache/run}"
port="${APICURIO_PORT:-8081}"
management_port="${APICURIO_MANAGEMENT_PORT:-$((port + 1))}"
timeout="${APICURIO_START_TIMEOUT:-120}"
artifact="io.apicurio:apicurio-registry-app:$version:tar.gz:all"

log() { echo "apicurio.sh: $*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=../lib/process.sh
source "$here/../lib/process.sh"

[[ "$version" =~ ^3\.[0-9]+\.[0-9]+$ ]] || die "APICURIO_VERSION must be a 3.x version like 3.3.3 (got '$version')"

# The major version of a java binary (17 for "17.0.15", 25 for "25.0.3"), or nothing.
java_major() {
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

# The first java of 21 or newer among the candidates (see the header).
find_java() {
  local candidate major
  for candidate in "${APICURIO_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [[ -n "$candidate" && -x "$candidate" ]] || continue
    major="$(java_major "$candidate")"
    if [[ -n "$major" ]] && ((major >= 21)); then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

url() { echo "http://127.0.0.1:$1/apis/ccompat/v7"; }

fetch() {
  if [[ -f "$app/.complete" ]]; then return 0; fi
  # one Maven at a time per cache (a test run and a user may start one at once)
  mkdir -p "$cache"
  with_lock "$cache/.fetch.lock" fetch_now
}

fetch_now() {
  if [[ -f "$app/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Apicurio Registry $version from Maven Central; install it (apt-get install maven) or set SCHEMA_REGISTRY_URL to a registry of your own"
  log "fetching $artifact from Maven Central into $app"
  rm -rf "$app"
  mkdir -p "$app"
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy -Dartifact="$artifact" \
    -DoutputDirectory="$app" >&2 ||
    die "mvn dependency:copy failed for $artifact (is Maven Central reachable, and does it serve that version?)"
  tar -xzf "$app/apicurio-registry-app-$version-all.tar.gz" -C "$app" ||
    die "unpacking $app/apicurio-registry-app-$version-all.tar.gz failed"
  rm -f "$app/apicurio-registry-app-$version-all.tar.gz"
  [[ -f "$app/quarkus-run.jar" ]] || die "the $artifact archive has no quarkus-run.jar"
  touch "$app/.complete"
}

start() {
  local pid
  if pid="$(running_pid)"; then
    url "$(cat "$run/port")"
    log "Apicurio Registry already running (pid $pid)"
    return 0
  fi
  command -v curl >/dev/null || die "curl is needed to see when the registry answers (apt-get install curl)"
  local java
  java="$(find_java)" ||
    die "Apicurio Registry $version needs Java 21 or newer (found none in APICURIO_JAVA, JAVA_HOME, PATH or /usr/lib/jvm); install one, set APICURIO_JAVA, or set SCHEMA_REGISTRY_URL"
  fetch
  if port_answers "$port"; then die "port $port is taken; set APICURIO_PORT to a free port"; fi
  if port_answers "$management_port"; then die "port $management_port is taken; set APICURIO_MANAGEMENT_PORT"; fi
  mkdir -p "$run"
  echo "$port" >"$run/port"
  : >"$run/console.log"
  # In-memory storage (H2) is the distribution's default; the access log would log every request.
  (cd "$app" && exec nohup "$java" ${APICURIO_HEAP_OPTS:--Xmx384m} \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$management_port" \
    -Dquarkus.http.access-log.enabled=false \
    -jar quarkus-run.jar >>"$run/console.log" 2>&1) &
  pid=$!
  echo "$pid" >"$run/pid"
  # ready: the Confluent API answers
  wait_ready "$pid" registry curl -fs -m 2 -o /dev/null "$(url "$port")/subjects"
  log "Apicurio Registry $version running on 127.0.0.1:$port (pid $pid, $java)"
  url "$port"
}

stop() { stop_running registry; }

status() {
  local pid
  if pid="$(running_pid)"; then
    url "$(cat "$run/port")"
    log "Apicurio Registry (pid $pid)"
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
  version) echo "$version" ;;
  *) echo "usage: $0 start|stop|status|fetch|version" >&2; exit 2 ;;
esac
