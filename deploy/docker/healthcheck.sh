#!/bin/bash
# Container health check: GET /health on the admin port (first argument, default 9090) must
# answer 200. Uses bash's /dev/tcp, so the image needs no HTTP client.
port="${1:-9090}"
if ! { exec 3<>"/dev/tcp/127.0.0.1/${port}"; } 2>/dev/null; then
  echo "admin port ${port}: connection refused"
  exit 1
fi
printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$port" >&3
if ! IFS= read -r -t 4 status <&3; then
  echo "admin port ${port}: no answer to GET /health"
  exit 1
fi
case "$status" in
  "HTTP/1."?" 200"*) exit 0 ;;
esac
echo "GET /health: ${status%$'\r'}"
exit 1
