#!/usr/bin/env bash
# Side-by-side benchmark on loopback: nginx as a reverse proxy vs this proxy, same nginx origin.
#
#   bench/run.sh                 full run (warm-up, then ROUNDS alternating rounds per scenario)
#   ROUNDS=1 DURATION=2 bench/run.sh    a short smoke run
#
# Prints one table per run. Every process it starts is stopped by its PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-5}
BASE=${BENCH_PORT_BASE:-18100}
WORK=$(mktemp -d /tmp/fleetproxy-bench.XXXXXX)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx; then
  echo "installing wrk and nginx-light from Debian" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi
[ -f deploy/target/proxy.jar ] || mvn -B -q package -DskipTests

ORIGIN_NGINX=$((BASE + 1)); ORIGIN_ONE=$((BASE + 2)); ORIGIN_DEFAULT=$((BASE + 3))
NGINX_PROXY=$((BASE + 10)); ONE=$((BASE + 20)); DEFAULT=$((BASE + 30))
mkdir -p "$WORK/logs"
head -c 1024 /dev/zero | tr '\0' 'a' > "$WORK/1k"
head -c 65536 /dev/zero | tr '\0' 'b' > "$WORK/64k"

# One origin, one worker, a port per proxy under test so each one's upstream connections are counted apart.
origin_server() {
  cat <<EOF
  server {
    listen 127.0.0.1:$1; keepalive_requests 1000000;
    access_log $WORK/logs/origin-$1.log conns buffer=256k;
    location = /small { return 200 "0123456789012345678901234567890"; }
    location = /1k { alias $WORK/1k; }
    location = /64k { alias $WORK/64k; }
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
}
EOF
proxy_conf() {
  cat <<EOF
server: { host: 127.0.0.1, port: $1$2 }
admin: { host: 127.0.0.1, port: $(($1 + 1)) }
forward: { enabled: false }
routes:
  - host: "*"
    location: /
    upstream: { url: "http://127.0.0.1:$3/" }
EOF
}
proxy_conf $ONE ", event-loops: 1" $ORIGIN_ONE > "$WORK/one.yaml"
proxy_conf $DEFAULT "" $ORIGIN_DEFAULT > "$WORK/default.yaml"
cat > "$WORK/upload.lua" <<'EOF'
wrk.method = "POST"
wrk.body = string.rep("u", 65536)
wrk.headers["Content-Type"] = "application/octet-stream"
EOF

nginx -c "$WORK/origin.conf" & pids+=($!)
nginx -c "$WORK/proxy.conf" & pids+=($!)
JAVA_OPTS=${JAVA_OPTS:-}
java $JAVA_OPTS -jar deploy/target/proxy.jar --conf "$WORK/one.yaml" > "$WORK/logs/one.log" 2>&1 & ONE_PID=$!; pids+=($ONE_PID)
java $JAVA_OPTS -jar deploy/target/proxy.jar --conf "$WORK/default.yaml" > "$WORK/logs/default.log" 2>&1 & DEFAULT_PID=$!; pids+=($DEFAULT_PID)
for port in $ORIGIN_NGINX $NGINX_PROXY $ONE $DEFAULT; do
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/small" && break
    sleep 0.1
  done
done

# name connections path extra-wrk-args
SCENARIOS=(
  "small-64|64|/small|"
  "small-256|256|/small|"
  "1KiB-64|64|/1k|"
  "64KiB-64|64|/64k|"
  "upload-64KiB-64|64|/upload|-s $WORK/upload.lua"
)
TARGETS=("nginx|$NGINX_PROXY|$ORIGIN_NGINX" "fleetproxy-1loop|$ONE|$ORIGIN_ONE" "fleetproxy-default|$DEFAULT|$ORIGIN_DEFAULT")

run_wrk() { # port conns path extra duration -> "rps p50_ms p99_ms"
  # shellcheck disable=SC2086
  wrk -t1 -c"$2" -d"$5"s --latency $4 "http://127.0.0.1:$1$3" 2>/dev/null | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { r = $2 } / 50%/ { p50 = ms($2) } / 99%/ { p99 = ms($2) } /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.3f %.3f %s\n", r, p50, p99, (bad == "" ? 0 : bad) }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
distinct_conns() { [ -f "$1" ] && sort -u "$1" | wc -l || echo 0; }

printf '%s\n' "machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ); wrk -t1, ${DURATION}s x ${ROUNDS} alternating rounds"
printf '%-18s %-20s %10s %8s %8s %7s %8s %7s\n' scenario relay "req/s" "p50 ms" "p99 ms" ratio upstream "RSS MB"
for sc in "${SCENARIOS[@]}"; do
  IFS='|' read -r name conns path extra <<< "$sc"
  for t in "${TARGETS[@]}"; do IFS='|' read -r _ port _ <<< "$t"; run_wrk "$port" "$conns" "$path" "$extra" "$WARMUP" > /dev/null; done
  for t in "${TARGETS[@]}"; do IFS='|' read -r tname _ _ <<< "$t"; : > "$WORK/$tname.res"; done
  # count this scenario's upstream connections only: flush the logs, empty them, reopen them
  kill -USR1 "$(cat "$WORK/origin.pid")"; sleep 0.3
  for t in "${TARGETS[@]}"; do IFS='|' read -r _ _ oport <<< "$t"; : > "$WORK/logs/origin-$oport.log"; done
  kill -USR1 "$(cat "$WORK/origin.pid")"; sleep 0.3
  for _ in $(seq 1 "$ROUNDS"); do
    for t in "${TARGETS[@]}"; do
      IFS='|' read -r tname port _ <<< "$t"
      run_wrk "$port" "$conns" "$path" "$extra" "$DURATION" >> "$WORK/$tname.res"
    done
  done
  sleep 1; kill -USR1 "$(cat "$WORK/origin.pid")"; sleep 0.5
  base=$(awk '{ print $1 }' "$WORK/nginx.res" | median)
  for t in "${TARGETS[@]}"; do
    IFS='|' read -r tname _ oport <<< "$t"
    rps=$(awk '{ print $1 }' "$WORK/$tname.res" | median)
    p50=$(awk '{ print $2 }' "$WORK/$tname.res" | median)
    p99=$(awk '{ print $3 }' "$WORK/$tname.res" | median)
    rss="-"
    case $tname in
      fleetproxy-1loop) rss=$(( $(ps -o rss= -p "$ONE_PID") / 1024 )) ;;
      fleetproxy-default) rss=$(( $(ps -o rss= -p "$DEFAULT_PID") / 1024 )) ;;
    esac
    printf '%-18s %-20s %10s %8s %8s %7s %8s %7s\n' "$name" "$tname" "$rps" "$p50" "$p99" \
      "$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
      "$(distinct_conns "$WORK/logs/origin-$oport.log")" "$rss"
  done
done
