#!/usr/bin/env bash
# Runs a small fleetproxy cluster on this machine, every node on loopback.
#
#   deploy/cluster.sh start N     start nodes 1..N (clustered), wait until each one is ready
#   deploy/cluster.sh status      each recorded node: running or dead, its ports; the cluster view
#   deploy/cluster.sh stop        SIGTERM each recorded node, SIGKILL only a node that outlives the deadline
#
# All nodes share one configuration file; each node gets its own ports and node id on the command
# line. Node i (1..N) runs with
#
#   --conf $FLEETPROXY_CONF --cluster
#   --set server.port=$((BASE_PORT + i - 1)) --set admin.port=$((ADMIN_BASE + i - 1))
#   --set cluster.node-id=node-$i
#
# Environment (defaults in brackets):
#   FLEETPROXY_CONF            shared configuration file           [conf/proxy.yaml of the project]
#   FLEETPROXY_RUN             logs (node-i.log) and pid files      [deploy/run of the project]
#   BASE_PORT                  proxy port of node 1                 [3128]
#   ADMIN_BASE                 admin port of node 1                 [9090]
#   FLEETPROXY_READY_TIMEOUT   seconds a node may take to be ready  [90]
#   FLEETPROXY_STOP_TIMEOUT    seconds to wait after SIGTERM        [40; above the 30s server.shutdown-timeout]
#   FLEETPROXY_CTL_TIMEOUT     seconds the status query may take    [60]
#   JAVA                       java executable                      [java]
#   JAVA_OPTS                  extra JVM options for the nodes      [-Xmx256m -XX:+UseParallelGC -XX:+UseTransparentHugePages]
#
# Nodes run with the project root as their working directory, so relative paths in the
# configuration (cluster.hazelcast: conf/hazelcast.yaml) resolve the same way for every node.
# Processes are only ever signalled by the PID recorded when this script started them.

set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd)"
JAR="$ROOT/deploy/target/proxy.jar"
STATUS_ADDRESS="proxy.cluster.status"
HOST="127.0.0.1"

RUN_DIR="${FLEETPROXY_RUN:-$ROOT/deploy/run}"
BASE_PORT="${BASE_PORT:-3128}"
ADMIN_BASE="${ADMIN_BASE:-9090}"
READY_TIMEOUT="${FLEETPROXY_READY_TIMEOUT:-90}"
STOP_TIMEOUT="${FLEETPROXY_STOP_TIMEOUT:-40}"
CTL_TIMEOUT="${FLEETPROXY_CTL_TIMEOUT:-60}"
JAVA="${JAVA:-java}"
JAVA_OPTS="${JAVA_OPTS:--Xmx256m -XX:+UseParallelGC -XX:+UseTransparentHugePages}"
# Hazelcast members of a local cluster use ports 5701-5720 on loopback; one is left for "ctl".
MAX_NODES=19

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

usage() {
  cat >&2 <<EOF
usage: $0 start N | status | stop

  start N   start N clustered nodes on $HOST (1 <= N <= $MAX_NODES)
  status    show every recorded node and ask the cluster for $STATUS_ADDRESS
  stop      stop every recorded node (SIGTERM, then SIGKILL after ${STOP_TIMEOUT}s)
EOF
  exit 2
}

# An absolute path for a file named relative to the caller's directory.
absolute() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$(pwd)" "$1" ;;
  esac
}

CONF="$(absolute "${FLEETPROXY_CONF:-$ROOT/conf/proxy.yaml}")"
RUN_DIR="$(absolute "$RUN_DIR")"

require_number() {
  [[ "$2" =~ ^[0-9]+$ ]] || die "$1 must be a number, got '$2'"
}

require_jar() {
  if [[ ! -f "$JAR" ]]; then
    die "$JAR not found. Build it from the project root first:
    cd $ROOT && mvn -B -q install -DskipTests"
  fi
}

require_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "no java executable '$JAVA' (set JAVA=/path/to/java)"
}

# Whether PID is alive and is a JVM running our jar (a recycled PID is left alone).
is_ours() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$JAR" || return 1
  fi
  return 0
}

# Node numbers that have a pid file, in ascending order.
recorded_nodes() {
  local f n
  shopt -s nullglob
  for f in "$RUN_DIR"/node-*.pid; do
    n="${f##*/node-}"
    n="${n%.pid}"
    [[ "$n" =~ ^[0-9]+$ ]] && echo "$n"
  done | sort -n
  shopt -u nullglob
}

read_pid() {
  local f="$RUN_DIR/node-$1.pid"
  [[ -f "$f" ]] && head -n 1 "$f" | tr -d '[:space:]'
}

# "PORT ADMIN" recorded for a node at start; computed from the environment if missing.
node_ports() {
  local f="$RUN_DIR/node-$1.ports"
  if [[ -f "$f" ]]; then
    head -n 1 "$f"
  else
    echo "$((BASE_PORT + $1 - 1)) $((ADMIN_BASE + $1 - 1))"
  fi
}

forget_node() {
  rm -f "$RUN_DIR/node-$1.pid" "$RUN_DIR/node-$1.ports"
}

# The configuration the running nodes were started with (status asks the cluster with it).
started_conf() {
  if [[ -f "$RUN_DIR/conf.path" ]]; then
    head -n 1 "$RUN_DIR/conf.path"
  else
    echo "$CONF"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

ready_code() {
  curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$HOST:$1/ready" 2>/dev/null || true
}

show_log_tail() {
  local log="$RUN_DIR/node-$1.log"
  if [[ -f "$log" ]]; then
    echo "---- last lines of $log ----" >&2
    tail -n 40 "$log" >&2
    echo "----" >&2
  fi
}

# SIGTERM to the given nodes' recorded PIDs; SIGKILL to any PID still alive after the deadline.
stop_nodes() {
  local n pid deadline pending
  local -a waiting=()
  for n in "$@"; do
    pid="$(read_pid "$n" || true)"
    if is_ours "$pid"; then
      echo "node-$n: SIGTERM to pid $pid"
      kill -TERM "$pid" 2>/dev/null || true
      waiting+=("$n")
    else
      echo "node-$n: not running${pid:+ (pid $pid)}"
      forget_node "$n"
    fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  while ((${#waiting[@]} > 0)); do
    pending=()
    for n in "${waiting[@]}"; do
      pid="$(read_pid "$n" || true)"
      if is_ours "$pid"; then
        pending+=("$n")
      else
        echo "node-$n: stopped"
        forget_node "$n"
      fi
    done
    waiting=("${pending[@]+"${pending[@]}"}")
    ((${#waiting[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      for n in "${waiting[@]}"; do
        pid="$(read_pid "$n" || true)"
        if is_ours "$pid"; then
          echo "node-$n: still running ${STOP_TIMEOUT}s after SIGTERM, SIGKILL to pid $pid" >&2
          kill -KILL "$pid" 2>/dev/null || true
        fi
        forget_node "$n"
      done
      break
    fi
    sleep 1
  done
}

cmd_start() {
  local count="${1:-}"
  [[ -n "$count" ]] || usage
  require_number "N" "$count"
  require_number "BASE_PORT" "$BASE_PORT"
  require_number "ADMIN_BASE" "$ADMIN_BASE"
  require_number "FLEETPROXY_READY_TIMEOUT" "$READY_TIMEOUT"
  require_number "FLEETPROXY_STOP_TIMEOUT" "$STOP_TIMEOUT"
  ((count >= 1 && count <= MAX_NODES)) || die "N must be between 1 and $MAX_NODES, got $count"
  ((BASE_PORT + count - 1 <= 65535 && ADMIN_BASE + count - 1 <= 65535)) || die "ports beyond 65535"
  if ((BASE_PORT + count - 1 >= ADMIN_BASE && ADMIN_BASE + count - 1 >= BASE_PORT)); then
    die "proxy ports $BASE_PORT.. and admin ports $ADMIN_BASE.. overlap for $count nodes"
  fi
  require_jar
  require_java
  command -v curl >/dev/null 2>&1 || die "curl is needed to wait for /ready"
  [[ -f "$CONF" ]] || die "configuration $CONF not found (set FLEETPROXY_CONF)"

  mkdir -p "$RUN_DIR"
  local n pid live=()
  for n in $(recorded_nodes); do
    pid="$(read_pid "$n" || true)"
    if is_ours "$pid"; then
      live+=("node-$n (pid $pid)")
    else
      forget_node "$n"
    fi
  done
  if ((${#live[@]} > 0)); then
    die "already running: ${live[*]}; run '$0 stop' first"
  fi

  local i p port admin
  for ((i = 1; i <= count; i++)); do
    port=$((BASE_PORT + i - 1))
    admin=$((ADMIN_BASE + i - 1))
    for p in "$port" "$admin"; do
      port_in_use "$p" && die "port $HOST:$p is already in use; choose other BASE_PORT / ADMIN_BASE"
    done
  done

  echo "$CONF" >"$RUN_DIR/conf.path"
  local -a started=()
  for ((i = 1; i <= count; i++)); do
    port=$((BASE_PORT + i - 1))
    admin=$((ADMIN_BASE + i - 1))
    local log="$RUN_DIR/node-$i.log"
    echo "=== node-$i starting $(date '+%Y-%m-%d %H:%M:%S'), proxy $HOST:$port, admin $HOST:$admin, conf $CONF" >>"$log"
    # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
    (cd "$ROOT" && exec nohup "$JAVA" $JAVA_OPTS -jar "$JAR" --conf "$CONF" --cluster \
      --set "server.port=$port" --set "admin.port=$admin" --set "cluster.node-id=node-$i" \
      >>"$log" 2>&1 </dev/null) &
    pid=$!
    echo "$pid" >"$RUN_DIR/node-$i.pid"
    echo "$port $admin" >"$RUN_DIR/node-$i.ports"
    started+=("$i")
    echo "node-$i: pid $pid, proxy $HOST:$port, admin $HOST:$admin, log $log"

    local deadline=$((SECONDS + READY_TIMEOUT)) code=""
    while :; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "node-$i: exited before it was ready" >&2
        show_log_tail "$i"
        stop_nodes "${started[@]}"
        exit 1
      fi
      code="$(ready_code "$admin")"
      [[ "$code" == "200" ]] && break
      if ((SECONDS >= deadline)); then
        echo "node-$i: http://$HOST:$admin/ready not 200 after ${READY_TIMEOUT}s (last answer: ${code:-none})" >&2
        show_log_tail "$i"
        stop_nodes "${started[@]}"
        exit 1
      fi
      sleep 1
    done
    echo "node-$i: ready"
  done
  echo "$count node(s) running; '$0 status' shows the cluster, '$0 stop' stops it"
}

cmd_status() {
  local n pid ports port admin running=0 dead=0
  local -a nodes
  mapfile -t nodes < <(recorded_nodes)
  if ((${#nodes[@]} == 0)); then
    echo "no nodes recorded in $RUN_DIR"
    return 3
  fi
  for n in "${nodes[@]}"; do
    pid="$(read_pid "$n" || true)"
    ports="$(node_ports "$n")"
    port="${ports%% *}"
    admin="${ports##* }"
    if is_ours "$pid"; then
      running=$((running + 1))
      local ready
      ready="$(ready_code "$admin")"
      echo "node-$n: running, pid $pid, proxy $HOST:$port, admin $HOST:$admin, /ready ${ready:-no answer}"
    else
      dead=$((dead + 1))
      echo "node-$n: dead (pid ${pid:-?}), proxy $HOST:$port, admin $HOST:$admin, log $RUN_DIR/node-$n.log"
    fi
  done
  if ((running == 0)); then
    return 3
  fi
  require_jar
  require_java
  local conf rc=0
  conf="$(started_conf)"
  echo "--- $STATUS_ADDRESS (ctl --conf $conf) ---"
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
  (cd "$ROOT" && timeout --kill-after=5 "$CTL_TIMEOUT" "$JAVA" $JAVA_OPTS -jar "$JAR" ctl "$STATUS_ADDRESS" --conf "$conf") || rc=$?
  if ((rc != 0)); then
    echo "cluster.sh: ctl $STATUS_ADDRESS failed (exit $rc)" >&2
    return 1
  fi
  ((dead == 0)) || return 1
  return 0
}

cmd_stop() {
  local -a nodes
  mapfile -t nodes < <(recorded_nodes)
  if ((${#nodes[@]} == 0)); then
    echo "no nodes recorded in $RUN_DIR"
    return 0
  fi
  require_number "FLEETPROXY_STOP_TIMEOUT" "$STOP_TIMEOUT"
  stop_nodes "${nodes[@]}"
  rm -f "$RUN_DIR/conf.path"
}

case "${1:-}" in
  start)
    shift
    (($# == 1)) || usage
    cmd_start "$1"
    ;;
  status)
    (($# == 1)) || usage
    cmd_status
    ;;
  stop)
    (($# == 1)) || usage
    cmd_stop
    ;;
  *)
    usage
    ;;
esac
