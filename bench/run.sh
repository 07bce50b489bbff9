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
# nginx workers run as an unprivileged user: they must be able to read the bodies served from here
chmod 755 "$WORK"
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx || ! need h2load || ! need openssl || ! need curl; then
  echo "installing wrk, nginx-light, nghttp2-client, openssl and curl from Debian" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light nghttp2-client \
    openssl curl >/dev/null
fi
[ -f deploy/target/proxy.jar ] || mvn -B -q package -DskipTests

ORIGIN_NGINX=$((BASE + 1)); ORIGIN_ONE=$((BASE + 2)); ORIGIN_DEFAULT=$((BASE + 3)); ORIGIN_TLS=$((BASE + 4))
NGINX_PROXY=$((BASE + 10)); NGINX_TLS=$((BASE + 12)); ONE=$((BASE + 20)); DEFAULT=$((BASE + 30)); ONE_TLS=$((BASE + 40))
mkdir -p "$WORK/logs"
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
proxy_conf $ONE_TLS ", event-loops: 1, tls: { cert: $WORK/cert.pem, key: $WORK/key.pem }" $ORIGIN_TLS > "$WORK/one-tls.yaml"
cat > "$WORK/upload.lua" <<'EOF'
wrk.method = "POST"
wrk.body = string.rep("u", 65536)
wrk.headers["Content-Type"] = "application/octet-stream"
EOF

nginx -c "$WORK/origin.conf" & pids+=($!)
nginx -c "$WORK/proxy.conf" & pids+=($!)
# the JVM options deploy/ runs nodes with
JAVA_OPTS=${JAVA_OPTS:--Xmx256m -XX:+UseParallelGC -XX:+UseTransparentHugePages}
java $JAVA_OPTS -jar deploy/target/proxy.jar --conf "$WORK/one.yaml" > "$WORK/logs/one.log" 2>&1 & ONE_PID=$!; pids+=($ONE_PID)
java $JAVA_OPTS -jar deploy/target/proxy.jar --conf "$WORK/default.yaml" > "$WORK/logs/default.log" 2>&1 & DEFAULT_PID=$!; pids+=($DEFAULT_PID)
java $JAVA_OPTS -jar deploy/target/proxy.jar --conf "$WORK/one-tls.yaml" > "$WORK/logs/one-tls.log" 2>&1 & TLS_PID=$!; pids+=($TLS_PID)
for port in $ORIGIN_NGINX $NGINX_PROXY $ONE $DEFAULT; do
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/small" && break
    sleep 0.1
  done
done
for port in $NGINX_TLS $ONE_TLS; do
  for _ in $(seq 1 100); do
    curl -sk -o /dev/null "https://127.0.0.1:$port/small" && break
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

run_wrk() { # port conns path extra duration -> "rps p50_ms p99_ms not_2xx socket_errors"
  # shellcheck disable=SC2086
  wrk -t1 -c"$2" -d"$5"s --latency $4 "http://127.0.0.1:$1$3" 2>/dev/null | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { r = $2 } / 50%/ { p50 = ms($2) } / 99%/ { p99 = ms($2) } /Non-2xx/ { bad = $NF }
    /Socket errors/ { err = $4 + $6 + $8 + $10 }
    END { printf "%.0f %.3f %.3f %d %d\n", r, p50, p99, bad, err }'
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
    bad=$(awk '{ b += $4; e += $5 } END { if (b + e > 0) printf "  (%d not 2xx, %d socket errors)", b, e }' "$WORK/$tname.res")
    printf '%-18s %-20s %10s %8s %8s %7s %8s %7s%s\n' "$name" "$tname" "$rps" "$p50" "$p99" \
      "$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
      "$(distinct_conns "$WORK/logs/origin-$oport.log")" "$rss" "$bad"
  done
done

# HTTP/2 over TLS on the ingress: h2load, 8 connections x 8 streams; latency percentiles are not given by h2load
run_h2() { # port duration -> "rps failed"
  h2load -D "$2" -c 8 -m 8 "https://127.0.0.1:$1/small" 2>/dev/null | awk '
    /^finished in/ { r = $4 } /^requests:/ { f = $10 } END { printf "%.0f %s\n", r, (f == "" ? 0 : f) }'
}
# the TLS listener's JVM has served nothing yet: a longer warm-up
for port in $NGINX_TLS $ONE_TLS; do run_h2 "$port" $((WARMUP * 3)) > /dev/null; done
: > "$WORK/h2-nginx.res"; : > "$WORK/h2-one.res"
kill -USR1 "$(cat "$WORK/origin.pid")"; sleep 0.3
: > "$WORK/logs/origin-$ORIGIN_NGINX.log"; : > "$WORK/logs/origin-$ORIGIN_TLS.log"
kill -USR1 "$(cat "$WORK/origin.pid")"; sleep 0.3
for _ in $(seq 1 "$ROUNDS"); do
  run_h2 "$NGINX_TLS" "$DURATION" >> "$WORK/h2-nginx.res"
  run_h2 "$ONE_TLS" "$DURATION" >> "$WORK/h2-one.res"
done
sleep 1; kill -USR1 "$(cat "$WORK/origin.pid")"; sleep 0.5
h2base=$(awk '{ print $1 }' "$WORK/h2-nginx.res" | median)
for t in "nginx|h2-nginx|$ORIGIN_NGINX|-" "fleetproxy-1loop|h2-one|$ORIGIN_TLS|$TLS_PID"; do
  IFS='|' read -r tname res oport pid <<< "$t"
  rps=$(awk '{ print $1 }' "$WORK/$res.res" | median)
  failed=$(awk '{ s += $2 } END { print s + 0 }' "$WORK/$res.res")
  rss="-"; [ "$pid" != "-" ] && rss=$(( $(ps -o rss= -p "$pid") / 1024 ))
  printf '%-18s %-20s %10s %8s %8s %7s %8s %7s%s\n' "h2-tls-8x8" "$tname" "$rps" - - \
    "$(awk -v a="$rps" -v b="$h2base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
    "$(distinct_conns "$WORK/logs/origin-$oport.log")" "$rss" "$([ "$failed" -gt 0 ] && echo "  ($failed failed)")"
done

# 10 000 idle keep-alive client connections: what they add to the one-loop proxy's resident memory
IDLE=${IDLE_CONNECTIONS:-10000}
read -r opened before after < <(java bench/IdleClients.java "$ONE" "$IDLE" "$ONE_PID")
printf '\n%s\n' "idle: $opened keep-alive client connections held open on fleetproxy-1loop: RSS $before MB -> $after MB (+$((after - before)) MB)"

# a 1 GiB download through each relay; the proxy runs with $JAVA_OPTS
printf '\n%-18s %-20s %10s %8s %7s %7s\n' scenario relay seconds "MB/s" ratio "RSS MB"
: > "$WORK/dl-nginx.res"; : > "$WORK/dl-one.res"
for _ in $(seq 1 "$ROUNDS"); do
  curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$NGINX_PROXY/1g" >> "$WORK/dl-nginx.res"
  curl -s -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$ONE/1g" >> "$WORK/dl-one.res"
done
dlbase=$(awk '{ print $1 }' "$WORK/dl-nginx.res" | median)
for t in "nginx|dl-nginx|-" "fleetproxy-1loop|dl-one|$ONE_PID"; do
  IFS='|' read -r tname res pid <<< "$t"
  secs=$(awk '{ print $1 }' "$WORK/$res.res" | median)
  short=$(awk '$2 != 1073741824 { n++ } END { print n + 0 }' "$WORK/$res.res")
  rss="-"; [ "$pid" != "-" ] && rss=$(( $(ps -o rss= -p "$pid") / 1024 ))
  printf '%-18s %-20s %10s %8s %7s %7s%s\n' "download-1GiB" "$tname" "$secs" \
    "$(awk -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? 1024 / s : 0) }')" \
    "$(awk -v a="$secs" -v b="$dlbase" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')" "$rss" \
    "$([ "$short" -gt 0 ] && echo "  ($short incomplete)")"
done
