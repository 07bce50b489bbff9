#!/usr/bin/env bash
# Side-by-side benchmark on loopback: nginx as a reverse proxy vs this proxy, same nginx origin,
# and squid as a forward proxy vs this proxy's forward relay.
#
#   bench/run.sh                 full run (warm-up, then ROUNDS alternating rounds per scenario)
#   ROUNDS=1 DURATION=2 bench/run.sh    a short smoke run
#
# ROUNDS and DURATION (seconds) shape the measured rounds; WARMUP (seconds) is the length of a
# warm-up round and WARMUP_ROUNDS the most of them per relay and scenario; IDLE_CONNECTIONS the
# size of the idle test; RELAY_CPU and LOAD_CPU the two cores; JAVA_OPTS the proxies' JVM options.
#
# The relays under test (each proxy JVM with its GC and JIT threads, nginx's one worker, squid)
# run on one core (RELAY_CPU, default 1), the load generators and the origin on another
# (LOAD_CPU, default 0): otherwise the relay and the client take turns on the same cores and a
# relay that leaves more CPU to wrk looks faster than it is. Each row also gives the relay's own
# CPU time per request, which depends far less than requests/s on what else runs.
# Prints one table per run. Every process it starts is stopped by its PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-5}
WARMUP_ROUNDS=${WARMUP_ROUNDS:-24}
BASE=${BENCH_PORT_BASE:-18100}
RELAY_CPU=${RELAY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
WORK=$(mktemp -d /tmp/fleetproxy-bench.XXXXXX)
# nginx workers and squid run as an unprivileged user: they must be able to read what is here
chmod 755 "$WORK"
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1; }
missing=()
need wrk || missing+=(wrk)
need nginx || missing+=(nginx-light)
need h2load || missing+=(nghttp2-client)
need squid || missing+=(squid)
need openssl || missing+=(openssl)
need curl || missing+=(curl)
need taskset || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian" >&2
  # squid's package would start its own service, listening on every address, where no
  # policy-rc.d forbids it: nothing here may listen beyond loopback
  guard=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && guard=1
  fi
  rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } || rc=$?
  [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d
  [ "$rc" = 0 ] || { echo "could not install ${missing[*]}" >&2; exit 1; }
fi
[ -f deploy/target/proxy.jar ] || mvn -B -q package -DskipTests

if [ "$RELAY_CPU" != "$LOAD_CPU" ] && taskset -c "$RELAY_CPU" true 2>/dev/null && taskset -c "$LOAD_CPU" true 2>/dev/null; then
  RELAY=(taskset -c "$RELAY_CPU"); LOAD=(taskset -c "$LOAD_CPU")
  pinning="relays pinned to core $RELAY_CPU, load generators and origin to core $LOAD_CPU"
else
  echo "cores $RELAY_CPU and $LOAD_CPU are not both available here: running unpinned" >&2
  RELAY=(); LOAD=()
  pinning="NOT pinned"
fi
HZ=$(getconf CLK_TCK)

ORIGIN_NGINX=$((BASE + 1)); ORIGIN_ONE=$((BASE + 2)); ORIGIN_DEFAULT=$((BASE + 3)); ORIGIN_TLS=$((BASE + 4))
ORIGIN_SQUID=$((BASE + 5)); ORIGIN_FWD=$((BASE + 6)); ORIGIN_PAIR=$((BASE + 7))
NGINX_PROXY=$((BASE + 10)); NGINX_TLS=$((BASE + 12)); NGINX_H2C=$((BASE + 13))
ONE=$((BASE + 20)); DEFAULT=$((BASE + 30)); ONE_TLS=$((BASE + 40)); FWD=$((BASE + 50)); SQUID=$((BASE + 60))
mkdir -p "$WORK/logs" "$WORK/squid"
head -c 1024 /dev/zero | tr '\0' 'a' > "$WORK/1k"
head -c 65536 /dev/zero | tr '\0' 'b' > "$WORK/64k"
truncate -s 1G "$WORK/1g"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

# One origin, one worker, a port per proxy under test so each one's upstream connections are counted apart.
origin_server() {
  cat <<EOF
  server {
    listen 127.0.0.1:$1; keepalive_requests 1000000;
    access_log $WORK/logs/origin-$1.log conns buffer=256k;
    location = /small { return 200 "0123456789012345678901234567890"; }
    location = /1k { alias $WORK/1k; }
    location = /64k { alias $WORK/64k; }
    location = /1g { alias $WORK/1g; }
    location = /upload { client_max_body_size 1m; return 200 "ok"; }
  }
EOF
}
cat > "$WORK/origin.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/origin.pid;
error_log $WORK/logs/origin.err warn;
events { worker_connections 8192; }
http {
  log_format conns '\$connection';
  $(origin_server $ORIGIN_NGINX)
  $(origin_server $ORIGIN_ONE)
  $(origin_server $ORIGIN_DEFAULT)
  $(origin_server $ORIGIN_TLS)
  $(origin_server $ORIGIN_SQUID)
  $(origin_server $ORIGIN_FWD)
  $(origin_server $ORIGIN_PAIR)
}
EOF
cat > "$WORK/proxy.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx-proxy.pid;
error_log $WORK/logs/nginx-proxy.err warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_buffer_size 128k;
  upstream origin { server 127.0.0.1:$ORIGIN_NGINX; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PROXY; keepalive_requests 1000000;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  server {
    listen 127.0.0.1:$NGINX_TLS ssl http2; keepalive_requests 1000000;
    ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  server {
    listen 127.0.0.1:$NGINX_H2C http2; keepalive_requests 1000000;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
EOF
proxy_conf() { # port server-extras origin-port [forward]
  local forward=${4:-'{ enabled: false }'}
  cat <<EOF
server: { host: 127.0.0.1, port: $1$2 }
admin: { host: 127.0.0.1, port: $(($1 + 1)) }
forward: $forward
routes:
  - host: "*"
    location: /
    upstream: { url: "http://127.0.0.1:$3/" }
EOF
}
proxy_conf $ONE ", event-loops: 1" $ORIGIN_ONE > "$WORK/one.yaml"
# the same origin as the one-server route, and a second one: what balancing costs a request
cat >> "$WORK/one.yaml" <<EOF
  - host: "*"
    location: /pair/
    upstream:
      servers: [ { url: "http://127.0.0.1:$ORIGIN_ONE/" }, { url: "http://127.0.0.1:$ORIGIN_PAIR/" } ]
EOF
proxy_conf $DEFAULT "" $ORIGIN_DEFAULT > "$WORK/default.yaml"
proxy_conf $ONE_TLS ", event-loops: 1, tls: { cert: $WORK/cert.pem, key: $WORK/key.pem }" $ORIGIN_TLS > "$WORK/one-tls.yaml"
# loopback is in the built-in deny list: the origin is reached only because allow names it
proxy_conf $FWD ", event-loops: 1" $ORIGIN_FWD '{ enabled: true, allow: ["127.0.0.0/8"] }' > "$WORK/forward.yaml"
sed -e "s|@PORT@|$SQUID|g" -e "s|@DIR@|$WORK/squid|g" bench/squid.conf > "$WORK/squid.conf"
# squid drops to its own user when started as root; its log and pid file are written as that user
if [ "$(id -u)" = 0 ] && id proxy >/dev/null 2>&1; then chown proxy: "$WORK/squid"; fi
cat > "$WORK/upload.lua" <<'EOF'
wrk.method = "POST"
wrk.body = string.rep("u", 65536)
wrk.headers["Content-Type"] = "application/octet-stream"
EOF

# start NAME command...: runs it in the background under its own PID, kept in $NAME
start() {
  local var=$1; shift
  "$@" > "$WORK/logs/$var.out" 2>&1 &
  pids+=($!)
  printf -v "$var" %s "$!"
}
# the JVM options deploy/ runs nodes with
JAVA_OPTS=${JAVA_OPTS:--Xmx256m -XX:+UseParallelGC -XX:+UseTransparentHugePages}
start ORIGIN_PID "${LOAD[@]}" nginx -c "$WORK/origin.conf"
start NGINX_PID "${RELAY[@]}" nginx -c "$WORK/proxy.conf"
# the JVMs' temporary files (Vert.x's file cache, the h2c socket directory) stay in the work
# directory, so they go with it even when a JVM does not get to remove them itself
mkdir -p "$WORK/tmp"
JAVA_TMP=(-Djava.io.tmpdir="$WORK/tmp" -Dvertx.cacheDirBase="$WORK/tmp/vertx-cache")
# shellcheck disable=SC2086
{
  start ONE_PID "${RELAY[@]}" java $JAVA_OPTS "${JAVA_TMP[@]}" -jar deploy/target/proxy.jar --conf "$WORK/one.yaml"
  start DEFAULT_PID "${RELAY[@]}" java $JAVA_OPTS "${JAVA_TMP[@]}" -jar deploy/target/proxy.jar --conf "$WORK/default.yaml"
  start TLS_PID "${RELAY[@]}" java $JAVA_OPTS "${JAVA_TMP[@]}" -jar deploy/target/proxy.jar --conf "$WORK/one-tls.yaml"
  start FWD_PID "${RELAY[@]}" java $JAVA_OPTS "${JAVA_TMP[@]}" -jar deploy/target/proxy.jar --conf "$WORK/forward.yaml"
}
# a service name of its own keeps squid's shared-memory segments apart from any other squid's
start SQUID_PID "${RELAY[@]}" squid -N -n "fleetbench$$" -f "$WORK/squid.conf"

ready() { # curl-args...: waits for a 200 answer; a relay that never gives one stops the run
  for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$@")" = 200 ] && return 0
    sleep 0.1
  done
  echo "no 200 answer from: curl $*" >&2
  tail -n 20 "$WORK"/logs/*.out "$WORK"/logs/*.err "$WORK/squid/cache.log" >&2 2>/dev/null || true
  exit 1
}
for port in $ORIGIN_NGINX $ORIGIN_SQUID $ORIGIN_FWD $NGINX_PROXY $ONE $DEFAULT; do ready "http://127.0.0.1:$port/small"; done
ready "http://127.0.0.1:$ONE/pair/small"
for port in $NGINX_TLS $ONE_TLS; do ready -k "https://127.0.0.1:$port/small"; done
ready --http2-prior-knowledge "http://127.0.0.1:$NGINX_H2C/small"
ready --http2-prior-knowledge "http://127.0.0.1:$ONE/small"
ready -x "http://127.0.0.1:$SQUID" "http://127.0.0.1:$ORIGIN_SQUID/small"
ready -x "http://127.0.0.1:$FWD" "http://127.0.0.1:$ORIGIN_FWD/small"
# nginx's master only starts and watches its worker: the worker is the relay measured
NGINX_WORKERS=$(ps -o pid= --ppid "$NGINX_PID" | xargs)
ORIGIN_WORKERS=$(ps -o pid= --ppid "$ORIGIN_PID" | xargs)
[ -n "$NGINX_WORKERS" ] && [ -n "$ORIGIN_WORKERS" ] || { echo "no nginx worker found" >&2; exit 1; }

cpu_ticks() { # pid...: user + system time of all their threads, in clock ticks
  # shellcheck disable=SC2046
  awk '{ sub(/^.*\) /, ""); t += $12 + $13 } END { print t }' $(printf '/proc/%s/stat ' "$@")
}
cpus_of() { # pid...: the distinct CPU lists their threads may run on
  local p
  for p in "$@"; do cat /proc/"$p"/task/*/status; done | awk '/^Cpus_allowed_list/ { print $2 }' | sort -u | xargs
}
rss_mb() { # pid...: resident memory, summed
  ps -o rss= -p "$(echo "$@" | tr ' ' ',')" | awk '{ s += $1 } END { printf "%d", s / 1024 }'
}

# one round of wrk: "req/s p50_ms p99_ms not_2xx socket_errors requests"
run_wrk() { # conns seconds extra-args url-and-script-args
  # shellcheck disable=SC2086
  "${LOAD[@]}" wrk -t1 -c"$1" -d"$2"s --latency $3 $4 2>/dev/null | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { r = $2 } / 50%/ { p50 = ms($2) } / 99%/ { p99 = ms($2) } /Non-2xx/ { bad = $NF }
    /Socket errors/ { err = $4 + $6 + $8 + $10 } / requests in / { n = $1 }
    END { printf "%.0f %.3f %.3f %d %d %d\n", r, p50, p99, bad, err, n }'
}
# one round of h2load, 8 connections x 8 streams: "req/s - - failed 0 requests" (no latency percentiles)
run_h2() { # conns seconds extra-args url
  "${LOAD[@]}" h2load -D "$2" -c 8 -m 8 "$4" 2>/dev/null | awk '
    /^finished in/ { r = $4 } /^requests:/ { n = $6; f = $10 } END { printf "%.0f - - %d 0 %d\n", r, f, n }'
}
# a measured round: the tool's line, then the relay's CPU microseconds per request it answered
round() { # tool conns seconds extra-args url cpu-pids
  local before after line
  # shellcheck disable=SC2086
  before=$(cpu_ticks $6)
  line=$("run_$1" "$2" "$3" "$4" "$5")
  # shellcheck disable=SC2086
  after=$(cpu_ticks $6)
  awk -v l="$line" -v d=$((after - before)) -v hz="$HZ" \
    'BEGIN { split(l, f, " "); printf "%s %.2f\n", l, (f[6] > 0 ? d * 1e6 / hz / f[6] : 0) }'
}
# Warm-up rounds of WARMUP seconds until two in a row cost the relay within 10% of the same CPU
# per request and its JIT compilers used at most 2% of the last round: a JVM that shares its one
# core with its own compilers takes far longer to reach its steady state than one that can compile
# on a second core, and a fixed warm-up would measure how far compilation got instead of the
# relay. A steady rate of compilation also looks settled by CPU per request alone, hence both.
jit_ticks() { # pid...: CPU time of their JIT compiler threads (none for nginx or squid), in clock ticks
  local p t n=0
  for p in "$@"; do
    for t in /proc/"$p"/task/*; do
      case $(cat "$t/comm" 2>/dev/null) in
        C1\ CompilerThre*|C2\ CompilerThre*) n=$((n + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat"))) ;;
      esac
    done
  done
  echo "$n"
}
warm_up() { # tool conns extra-args url cpu-pids -> succeeds once settled
  local prev=0 cur jit
  for _ in $(seq 1 "$WARMUP_ROUNDS"); do
    # shellcheck disable=SC2086
    jit=$(jit_ticks $5)
    cur=$(round "$1" "$2" "$WARMUP" "$3" "$4" "$5" | awk '{ print $NF }')
    # shellcheck disable=SC2086
    jit=$(( $(jit_ticks $5) - jit ))
    awk -v a="$prev" -v b="$cur" -v j="$jit" -v most=$((WARMUP * HZ / 50)) \
      'BEGIN { exit !(a > 0 && b > 0 && (a > b ? a - b : b - a) <= 0.1 * b && j <= most) }' && return 0
    prev=$cur
  done
  return 1
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
column_median() { awk -v c="$1" '{ print $c }' "$2" | median; }
distinct_conns() { [ -f "$1" ] && sort -u "$1" | wc -l || echo 0; }
url_for() { # template port origin-port [path-prefix]
  local u=${1//%PORT%/$2}
  u=${u//%PREFIX%/$4}
  echo "${u//%ORIGIN%/$3}"
}
reopen_origin_logs() { kill -USR1 "$ORIGIN_PID"; sleep "$1"; }

# scenario NAME TOOL CONNS EXTRA-ARGS URL-TEMPLATE TARGET...
# A target is "relay|port|origin port|pids whose CPU is counted|pids whose RSS is shown[|path prefix]";
# the first one is the ratio's base. URL templates name %PORT% (the relay's), %ORIGIN% and %PREFIX%.
scenario() {
  local name=$1 tool=$2 conns=$3 extra=$4 tmpl=$5 t tname port oport cpu rss res base rps prefix
  shift 5
  for t in "$@"; do
    IFS='|' read -r tname port oport cpu _ prefix <<< "$t"
    : > "$WORK/$tname.res"; rm -f "$WORK/$tname.unsettled"
    warm_up "$tool" "$conns" "$extra" "$(url_for "$tmpl" "$port" "$oport" "$prefix")" "$cpu" \
      || : > "$WORK/$tname.unsettled"
  done
  # count this scenario's upstream connections only: flush the logs, empty them, reopen them
  reopen_origin_logs 0.3
  for t in "$@"; do IFS='|' read -r _ _ oport _ _ <<< "$t"; : > "$WORK/logs/origin-$oport.log"; done
  reopen_origin_logs 0.3
  for _ in $(seq 1 "$ROUNDS"); do
    for t in "$@"; do
      IFS='|' read -r tname port oport cpu _ prefix <<< "$t"
      round "$tool" "$conns" "$DURATION" "$extra" "$(url_for "$tmpl" "$port" "$oport" "$prefix")" "$cpu" \
        >> "$WORK/$tname.res"
    done
  done
  sleep 1; reopen_origin_logs 0.5
  IFS='|' read -r tname _ _ _ _ <<< "$1"
  base=$(column_median 1 "$WORK/$tname.res")
  for t in "$@"; do
    IFS='|' read -r tname _ oport _ rss _ <<< "$t"
    res=$WORK/$tname.res
    rps=$(column_median 1 "$res")
    # shellcheck disable=SC2086
    printf '%-18s %-20s %10s %8s %8s %7s %10s %8s %7s%s\n' "$name" "$tname" "$rps" \
      "$(column_median 2 "$res")" "$(column_median 3 "$res")" \
      "$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
      "$(column_median 7 "$res")" "$(distinct_conns "$WORK/logs/origin-$oport.log")" "$(rss_mb $rss)" \
      "$(awk -v tool="$tool" '{ b += $4; e += $5 } END {
          if (tool == "h2" && b > 0) printf "  (%d failed)", b
          else if (b + e > 0) printf "  (%d not 2xx, %d socket errors)", b, e }' "$res")$(
        [ ! -f "$WORK/$tname.unsettled" ] || echo "  (CPU per request still moving after $WARMUP_ROUNDS warm-up rounds)")"
  done
}

printf '%s\n' "machine: $(nproc --all) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ); wrk -t1, ${DURATION}s x ${ROUNDS} alternating rounds after ${WARMUP}s warm-up rounds until CPU/request settles; $pinning"
# shellcheck disable=SC2086
printf '%s\n' "threads may run on: relays (nginx worker, 4 proxy JVMs, squid) CPU $(cpus_of $NGINX_WORKERS "$ONE_PID" "$DEFAULT_PID" "$TLS_PID" "$FWD_PID" "$SQUID_PID"); origin worker CPU $(cpus_of $ORIGIN_WORKERS)"
printf '%-18s %-20s %10s %8s %8s %7s %10s %8s %7s\n' scenario relay "req/s" "p50 ms" "p99 ms" ratio "cpu us/req" upstream "RSS MB"

NGINX="nginx|$NGINX_PROXY|$ORIGIN_NGINX|$NGINX_WORKERS|$NGINX_WORKERS"
ONE_T="fleetproxy-1loop|$ONE|$ORIGIN_ONE|$ONE_PID|$ONE_PID"
DEFAULT_T="fleetproxy-default|$DEFAULT|$ORIGIN_DEFAULT|$DEFAULT_PID|$DEFAULT_PID"
HTTP="http://127.0.0.1:%PORT%"
scenario small-64 wrk 64 "" "$HTTP/small" "$NGINX" "$ONE_T" "$DEFAULT_T"
scenario small-256 wrk 256 "" "$HTTP/small" "$NGINX" "$ONE_T" "$DEFAULT_T"
scenario 1KiB-64 wrk 64 "" "$HTTP/1k" "$NGINX" "$ONE_T" "$DEFAULT_T"
scenario 64KiB-64 wrk 64 "" "$HTTP/64k" "$NGINX" "$ONE_T" "$DEFAULT_T"
# one route of one server against one of two balanced servers, on the same one-loop proxy
scenario balanced-2-64 wrk 64 "" "$HTTP%PREFIX%/small" "fleetproxy-1server|$ONE|$ORIGIN_ONE|$ONE_PID|$ONE_PID|" \
  "fleetproxy-2servers|$ONE|$ORIGIN_ONE|$ONE_PID|$ONE_PID|/pair"
scenario upload-64KiB-64 wrk 64 "-s $WORK/upload.lua" "$HTTP/upload" "$NGINX" "$ONE_T" "$DEFAULT_T"
# HTTP/2 on the ingress, over TLS and cleartext (prior knowledge)
scenario h2-tls-8x8 h2 8x8 "" "https://127.0.0.1:%PORT%/small" \
  "nginx|$NGINX_TLS|$ORIGIN_NGINX|$NGINX_WORKERS|$NGINX_WORKERS" "fleetproxy-1loop|$ONE_TLS|$ORIGIN_TLS|$TLS_PID|$TLS_PID"
scenario h2c-8x8 h2 8x8 "" "$HTTP/small" \
  "nginx|$NGINX_H2C|$ORIGIN_NGINX|$NGINX_WORKERS|$NGINX_WORKERS" "$ONE_T"
# forward proxies: absolute-form requests for the small answer; squid is the base
scenario forward-64 wrk 64 "-s bench/forward.lua" "$HTTP/ -- http://127.0.0.1:%ORIGIN%/small" \
  "squid|$SQUID|$ORIGIN_SQUID|$SQUID_PID|$SQUID_PID" "fleetproxy-1loop|$FWD|$ORIGIN_FWD|$FWD_PID|$FWD_PID"

# 10 000 idle keep-alive client connections: what they add to the one-loop proxy's resident memory
IDLE=${IDLE_CONNECTIONS:-10000}
read -r opened before after < <("${LOAD[@]}" java bench/IdleClients.java "$ONE" "$IDLE" "$ONE_PID")
printf '\n%s\n' "idle: $opened keep-alive client connections held open on fleetproxy-1loop: RSS $before MB -> $after MB (+$((after - before)) MB)"

# a 1 GiB download through each relay; the proxy runs with $JAVA_OPTS
printf '\n%-18s %-20s %10s %8s %7s %8s %7s\n' scenario relay seconds "MB/s" ratio "cpu ms" "RSS MB"
download() { # port cpu-pids -> "seconds bytes cpu_ms"
  local before after line
  # shellcheck disable=SC2086
  before=$(cpu_ticks $2)
  line=$("${LOAD[@]}" curl -s -o /dev/null -w '%{time_total} %{size_download}' "http://127.0.0.1:$1/1g")
  # shellcheck disable=SC2086
  after=$(cpu_ticks $2)
  echo "$line $(( (after - before) * 1000 / HZ ))"
}
: > "$WORK/dl-nginx.res"; : > "$WORK/dl-one.res"
for _ in $(seq 1 "$ROUNDS"); do
  download "$NGINX_PROXY" "$NGINX_WORKERS" >> "$WORK/dl-nginx.res"
  download "$ONE" "$ONE_PID" >> "$WORK/dl-one.res"
done
dlbase=$(column_median 1 "$WORK/dl-nginx.res")
for t in "nginx|dl-nginx|$NGINX_WORKERS" "fleetproxy-1loop|dl-one|$ONE_PID"; do
  IFS='|' read -r tname res rss <<< "$t"
  secs=$(column_median 1 "$WORK/$res.res")
  short=$(awk '$2 != 1073741824 { n++ } END { print n + 0 }' "$WORK/$res.res")
  # shellcheck disable=SC2086
  printf '%-18s %-20s %10s %8s %7s %8s %7s%s\n' "download-1GiB" "$tname" "$secs" \
    "$(awk -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? 1024 / s : 0) }')" \
    "$(awk -v a="$secs" -v b="$dlbase" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')" \
    "$(column_median 3 "$WORK/$res.res")" "$(rss_mb $rss)" \
    "$([ "$short" -gt 0 ] && echo "  ($short incomplete)")"
done
