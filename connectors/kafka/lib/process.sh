# Process handling shared by connectors/kafka/broker/kafka.sh and connectors/kafka/registry/apicurio.sh,
# which source this file. They define before it: log and die (messages), $run (the run directory,
# holding pid and console.log) and $timeout (start-up seconds), and a `stop` function.

# True when something accepts connections on 127.0.0.1:PORT.
port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints the pid in $run/pid if that process is alive; fails otherwise.
running_pid() {
  [[ -f "$run/pid" ]] || return 1
  local pid
  pid="$(cat "$run/pid")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# Runs COMMAND... holding the lock file LOCK (one Maven at a time per cache: two Mavens filling the
# same local repository at once can trip over each other). The lock is held in a subshell, so a
# server started afterwards does not inherit it.
with_lock() {
  local lock="$1"
  shift
  if command -v flock >/dev/null; then
    (flock 9 && "$@") 9>"$lock" || exit 1
  else
    "$@"
  fi
}

# Waits until COMMAND... succeeds, polling every 0.2 s, while the process PID (a WHAT: "broker",
# "registry") lives. If it exits, or $timeout seconds pass (then it is stopped), the end of its
# console log is shown and the script dies.
wait_ready() {
  local pid="$1" what="$2" waited=0
  shift 2
  until "$@"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$run/console.log" >&2
      rm -f "$run/pid"
      die "the $what exited during start-up (log above, full log in $run/console.log)"
    fi
    if ((waited >= timeout * 5)); then
      tail -n 40 "$run/console.log" >&2
      stop
      die "the $what did not answer within ${timeout}s"
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
}

# Stops the process in $run/pid (a WHAT): SIGTERM, then SIGKILL after 30 s.
stop_running() {
  local what="$1" pid
  if pid="$(running_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
      if ((waited >= 300)); then
        log "$what $pid did not stop in 30s; killing it"
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
}
