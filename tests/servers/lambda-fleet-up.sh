#!/usr/bin/env bash
# A local stand-in for the AWS Lambda + S3 endpoint: N AWS Lambda Runtime Interface Emulators (RIE), each
# running the executable BOOTSTRAP as a Lambda custom runtime, behind one Debian nginx on 127.0.0.1:PORT
# that sends
#   POST /2015-03-31/functions/<any name or ARN>/invocations  -> an idle RIE (path rewritten to RIE's
#        .../functions/function/invocations); when all N are busy: at once 429 TooManyRequestsException
#   everything else                                           -> moto at $MOTO_URL (default
#        http://127.0.0.1:5000, see moto-up.sh), Host header and URI unchanged so SigV4 still verifies
# and a "flaky" twin on 127.0.0.1:PORT-1: the same, but ~FLAKY_503_PCT % (default 20) of requests get 503
# and requests over FLAKY_RATE (default 5r/s, burst FLAKY_BURST=3) get 429 (Lambda API paths, JSON
# bodies as AWS Lambda) or 503 SlowDown (other paths: S3 style XML).
# RIE i (1..N) listens on 127.0.0.1:PORT+i, its Runtime API (AWS_LAMBDA_RUNTIME_API) on 127.0.0.1:PORT+N+i.
# Environment: every variable of this script's environment reaches BOOTSTRAP unchanged (RIE forwards its
# own), so pass what the function needs on the command line:
#   env AWS_ACCESS_KEY_ID=... LITHOPS_X=... AWS_LAMBDA_FUNCTION_TIMEOUT=60 lambda-fleet-up.sh DIR 4 ./bootstrap
# AWS_LAMBDA_FUNCTION_TIMEOUT (s, RIE default 300), AWS_LAMBDA_FUNCTION_MEMORY_SIZE (MB, default 3008) and
# AWS_LAMBDA_FUNCTION_NAME (default test_function) are read by RIE itself. BOOTSTRAP runs in its own
# directory (as /var/task on Lambda), is started at the first invocation of each RIE (cold start) and
# again after it exits or times out. Invocations are synchronous even with X-Amz-Invocation-Type: Event
# (the answer is 200 + the function's result when it ends). See AWS-NOTES.md.
# Logs: DIR/rie-I.log (RIE + bootstrap output), DIR/nginx/{access,flaky-access,error}.log. Clears what an earlier run
# of DIR left.   usage: lambda-fleet-up.sh DIR N BOOTSTRAP [PORT=9100]     stop: lambda-fleet-down.sh DIR
set -euo pipefail
t0=${EPOCHREALTIME/./}
D=$(realpath -m "${1:?usage: lambda-fleet-up.sh DIR N BOOTSTRAP [PORT]}"); N=${2:?N}; B=$(realpath "${3:?BOOTSTRAP}")
P=${4:-9100}; H=$(realpath "$(dirname "$0")")
T=${AWS_TOOLS:-/opt/lithops-test-tools}
MOTO=${MOTO_URL:-http://127.0.0.1:5000}; MOTO=${MOTO%/}
RATE=${FLAKY_RATE:-5r/s}; BURST=${FLAKY_BURST:-3}; PCT=${FLAKY_503_PCT:-20}
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "N must be a positive number" >&2; exit 1; }
[ -x "$B" ] || { echo "BOOTSTRAP $B is not executable" >&2; exit 1; }
bash "$H/aws-tools.sh" "$T"
bash "$H/lambda-fleet-down.sh" "$D"
rm -rf "$D"; mkdir -p "$D"/nginx/tmp
echo "$P" > "$D/port"; echo "$N" > "$D/n"
# nginx must outwait the longest invocation: RIE ends one at AWS_LAMBDA_FUNCTION_TIMEOUT
TMO=$(( ${AWS_LAMBDA_FUNCTION_TIMEOUT:-300} + 60 ))

# RIEs. setsid: each RIE leads a session, and its bootstrap (RIE puts it in a process group of its own)
# and whatever that spawns stay in it, so lambda-fleet-down.sh finds them all, even after RIE crashed.
# LITHOPS_FLEET_DIR marks them (in /proc/PID/environ) for a later run whose pid files are gone.
cd "$(dirname "$B")"
for i in $(seq 1 "$N"); do
  LITHOPS_FLEET_DIR=$D nohup setsid "$T/bin/aws-lambda-rie" \
    --runtime-interface-emulator-address "127.0.0.1:$((P + i))" \
    --runtime-api-address "127.0.0.1:$((P + N + i))" "$B" </dev/null >"$D/rie-$i.log" 2>&1 &
  echo $! > "$D/rie-$i.pid"
done
cd /

# nginx
up=""; for i in $(seq 1 "$N"); do up+="    server 127.0.0.1:$((P + i)) max_conns=1;"$'\n'; done
# the two front ends differ only in the flaky parts: $1 = port, $2 = "flaky" or ""
front() {
  local fl=$2 lam="" oth=""
  if [ -n "$fl" ]; then
    lam="if (\$flaky_503) { return 503; }
      limit_req zone=flaky burst=$BURST nodelay; limit_req_status 429;"
    oth="if (\$flaky_503) { return 503; }
      limit_req zone=flaky burst=$BURST nodelay; limit_req_status 503;
      error_page 503 = @slowdown;"
  fi
  local log=access.log
  [ -n "$fl" ] && log=$fl-access.log
  cat <<SERVER
  server {
    listen 127.0.0.1:$1;
    access_log $D/nginx/$log fleet;
    location = /lithops-fleet-health { return 200 "ok\n"; }
    # A function that accepts every invocation at once, as Lambda answers an Event invocation
    # (202, empty body), and runs nothing: the invocation-rate benchmark's endpoint.
    location = /2015-03-31/functions/lithops-bench-sink/invocations { return 202; }
    # Invoke of any function name (or URL-encoded ARN): to an idle RIE
    location ~ ^/2015-03-31/functions/[^/]+/invocations\$ {
      $lam
      error_page 429 = @throttled;
      error_page 503 = @unavailable;
      if (\$request_method != POST) { return 405; }
      rewrite ^ /2015-03-31/functions/function/invocations break;
      proxy_pass http://rie;
      # nginx answers 502 itself when no RIE is free (max_conns reached everywhere: "no live upstreams");
      # an RIE's own 502 (runtime exit, init error) passes unchanged (proxy_intercept_errors is off)
      error_page 502 = @busy;
      # RIE cuts a longer payload to 6291556 bytes and runs it anyway; AWS refuses it with 413
      client_max_body_size 6291556;
      error_page 413 = @toolarge;
      proxy_next_upstream error timeout;     # a refused RIE is skipped (a sent POST is never resent)
      proxy_connect_timeout 2s;
      proxy_read_timeout ${TMO}s; proxy_send_timeout ${TMO}s;
      # keep the RIE counted busy until it answers even if the caller hangs up: a second invocation
      # sent to a busy RIE crashes it (nil pointer panic in its Reserve path)
      proxy_ignore_client_abort on;
      proxy_request_buffering on;            # an RIE is taken only once the whole payload is here
      proxy_buffering off;
    }
    # other Lambda API paths (CreateFunction, ...): to moto
    location ~ ^/20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]/ {
      $lam
      error_page 429 = @throttled;
      error_page 503 = @unavailable;
      proxy_pass $MOTO;
    }
    # S3, IAM, STS, ...: to moto
    location / {
      $oth
      proxy_pass $MOTO;
    }
    location @busy {
      default_type application/json;
      add_header x-amzn-ErrorType TooManyRequestsException always;
      return 429 '{"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}';
    }
    location @toolarge {
      default_type application/json;
      add_header x-amzn-ErrorType RequestTooLargeException always;
      return 413 '{"Type":"User","message":"Request must be at most 6291556 bytes for the InvokeFunction operation"}';
    }
    location @throttled {
      default_type application/json;
      add_header x-amzn-ErrorType TooManyRequestsException always;
      return 429 '{"Reason":"CallerRateLimitExceeded","Type":"User","message":"Rate Exceeded."}';
    }
    location @unavailable {
      default_type application/json;
      add_header x-amzn-ErrorType ServiceException always;
      return 503 '{"Type":"Service","message":"Service unavailable (injected)"}';
    }
    location @slowdown {
      default_type application/xml;
      return 503 '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>\$request_id</RequestId></Error>';
    }
  }
SERVER
}
cat > "$D/nginx/nginx.conf" <<CONF
# generated by lambda-fleet-up.sh
user root;
worker_processes 1;
daemon off;
pid $D/nginx/nginx.pid;
lock_file $D/nginx/nginx.lock;
error_log $D/nginx/error.log warn;
events { worker_connections 4096; }
http {
  log_format fleet '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent '
                   'up=\$upstream_addr/\$upstream_status \$request_time s';
  access_log $D/nginx/access.log fleet;
  client_body_temp_path $D/nginx/tmp/body;
  proxy_temp_path $D/nginx/tmp/proxy;
  fastcgi_temp_path $D/nginx/tmp/fastcgi;
  uwsgi_temp_path $D/nginx/tmp/uwsgi;
  scgi_temp_path $D/nginx/tmp/scgi;
  client_max_body_size 0;
  client_body_buffer_size 1m;
  # to moto: URI (proxy_pass without a path: passed as the client sent it) and Host exactly as signed
  proxy_set_header Host \$http_host;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_request_buffering off;
  proxy_buffering off;
  proxy_read_timeout 600s;
  server_tokens off;
  upstream rie {
    zone rie 64k;          # max_conns then holds across workers
    least_conn;
$up  }
  limit_req_zone \$server_port zone=flaky:1m rate=$RATE;
  split_clients "\$request_id" \$flaky_503 {
    $PCT%   1;
    *       "";
  }
$(front "$P" "")
$(front "$((P - 1))" flaky)
}
CONF
/usr/sbin/nginx -t -q -e "$D/nginx/error.log" -p "$D/nginx" -c "$D/nginx/nginx.conf"
nohup setsid /usr/sbin/nginx -e "$D/nginx/error.log" -p "$D/nginx" -c "$D/nginx/nginx.conf" </dev/null >"$D/nginx/stdout.log" 2>&1 &
echo $! > "$D/nginx.pid"

# ready: every RIE (a path other than the invoke one: any method on that one starts an invocation) and
# both nginx ports
end=$((SECONDS + 30))
for port in $(seq $((P + 1)) $((P + N))) "$P" "$((P - 1))"; do
  until curl -s -m 1 -o /dev/null "http://127.0.0.1:$port/lithops-fleet-health"; do
    ((SECONDS < end)) || { echo "nothing answers on 127.0.0.1:$port; see $D" >&2; exit 1; }
    sleep 0.05
  done
done
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'lambda fleet ready: %d RIE on 127.0.0.1:%d-%d, nginx on 127.0.0.1:%d (flaky: %d), other paths to %s (%d.%02d s)\n' \
  "$N" $((P + 1)) $((P + N)) "$P" $((P - 1)) "$MOTO" $((ms / 1000)) $((ms % 1000 / 10))
