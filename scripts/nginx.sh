# shellcheck shell=bash
# The fixed-response Lambda endpoint of scripts/bench.sh and scripts/soak.sh:
# nginx on 127.0.0.1 answering every Invoke with 200 and `3`. Sourced after
# scripts/lib.sh, not run.

NGINX=nginx
NGINX_PID=""
NGINX_PREFIX=""
LAMBDA_ENDPOINT=""

# ensure_debian_tools TOOL...: installs those of nginx, wrk and time
# (/usr/bin/time) that are missing, from Debian; sets NGINX.
ensure_debian_tools() {
  local missing=() nginx_pkg=nginx-light tool
  for tool in "$@"; do
    case $tool in
      nginx) command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=("$nginx_pkg") ;;
      time) [ -x /usr/bin/time ] || missing+=(time) ;;
      *) command -v "$tool" >/dev/null || missing+=("$tool") ;;
    esac
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}: install them (apt-get install ${missing[*]})"
    log "installing ${missing[*]} (Debian)"
    apt-get update -qq
    # nginx-light is gone from newer Debian releases: nginx is then as small.
    if ! apt-cache show nginx-light >/dev/null 2>&1; then
      missing=("${missing[@]/#nginx-light/nginx}")
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    hash -r
  fi
  command -v nginx >/dev/null || NGINX=/usr/sbin/nginx
}

# start_nginx PREFIX PORT: nginx on 127.0.0.1:PORT with its own config and
# files in PREFIX, answering Invoke with 200, `3` and X-Amz-Executed-Version
# ($LATEST); nginx reads and discards the request body before answering.
# /_stub_status is nginx's stub_status (nginx_requests reads it). Sets
# NGINX_PID, NGINX_PREFIX and LAMBDA_ENDPOINT.
start_nginx() {
  local prefix=$1 port=$2
  NGINX_PREFIX=$prefix
  mkdir -p "$prefix"
  cat >"$prefix/nginx.conf" <<EOF
daemon off;
worker_processes 1;
worker_rlimit_nofile 16384;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  client_body_temp_path $prefix/client_body;
  proxy_temp_path $prefix/proxy;
  fastcgi_temp_path $prefix/fastcgi;
  uwsgi_temp_path $prefix/uwsgi;
  scgi_temp_path $prefix/scgi;
  # nginx has no escape for \$ in strings: \${dollar} is one.
  geo \$dollar { default "\$"; }
  server {
    listen 127.0.0.1:$port;
    location ~ ^/2015-03-31/functions/[^/]+/invocations\$ {
      default_type application/json;
      add_header X-Amz-Executed-Version "\${dollar}LATEST" always;
      return 200 '3';
    }
    location = /_stub_status { stub_status; }
    location / { return 404; }
  }
}
EOF
  log "starting nginx on 127.0.0.1:$port"
  "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" >"$prefix/stderr.log" 2>&1 &
  NGINX_PID=$!
  wait_for_port 127.0.0.1 "$port" 10 || { cat "$prefix/stderr.log" "$prefix/error.log" >&2; die "nginx did not start"; }
  LAMBDA_ENDPOINT="http://127.0.0.1:$port"
  local answer
  answer=$(curl -s -i -X POST -d '{"x":1,"y":2}' "$LAMBDA_ENDPOINT/2015-03-31/functions/add-numbers/invocations" | tr -d '\r')
  # shellcheck disable=SC2016 # a literal $LATEST
  if ! grep -q '^HTTP/1.1 200' <<<"$answer" || ! grep -q '^X-Amz-Executed-Version: \$LATEST$' <<<"$answer" ||
    [ "$(tail -n 1 <<<"$answer")" != 3 ]; then
    die "nginx answers wrongly: $answer"
  fi
}

nginx_alive() {
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$NGINX_PREFIX/error.log" >&2; die "nginx stopped"; }
}

# nginx_requests: the requests nginx has served so far (its stub_status
# "requests", which counts this request too).
nginx_requests() {
  curl -s --max-time 5 "$LAMBDA_ENDPOINT/_stub_status" | awk 'NR == 3 {print $3}'
}

stop_nginx() {
  [ -n "$NGINX_PID" ] || return 0
  kill -TERM "$NGINX_PID" 2>/dev/null || true
  wait "$NGINX_PID" 2>/dev/null || true
  NGINX_PID=""
}
