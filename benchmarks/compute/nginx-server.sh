#!/bin/sh
# A stand-in "single-user server" for the proxy benchmark: nginx serving a small static file.
#
# Started by a hub like jupyterhub-singleuser (it reads the same environment):
#   JUPYTERHUB_SERVICE_URL     http://127.0.0.1:PORT/user/NAME/   -> listens on 127.0.0.1:PORT
#   JUPYTERHUB_SERVICE_PREFIX  /user/NAME/                        -> serves ${PREFIX}x.txt (1 KiB) and 200 on ${PREFIX}
# Usage: nginx-server.sh [BASE_DIR] [--ignored-option ...]
#   BASE_DIR (default ${TMPDIR:-/tmp}): its temp folder is created under it (the benchmark passes its own temp
#   folder and deletes it at the end). Arguments starting with "-" (e.g. an inherited --allow-root) are ignored.
# It writes the nginx config into that folder and execs nginx in the foreground (`daemon off`), so stopping this
# process stops nginx. A small watcher removes the folder once nginx is gone (if the watcher is killed too, the
# benchmark's own clean-up removes it). The folder also holds `service-url` (the URL it listens on).
set -eu

base=${TMPDIR:-/tmp}
for a in "$@"; do
    case $a in
        -*|'') ;;
        *) base=$a ;;
    esac
done

url=${JUPYTERHUB_SERVICE_URL:?JUPYTERHUB_SERVICE_URL is not set}
prefix=${JUPYTERHUB_SERVICE_PREFIX:-/}
case $prefix in */) ;; *) prefix=$prefix/ ;; esac
hostport=${url#*://}
hostport=${hostport%%/*}
host=${hostport%:*}
port=${hostport##*:}
case $port in ''|*[!0-9]*) echo "nginx-server.sh: no port in JUPYTERHUB_SERVICE_URL=$url" >&2; exit 2 ;; esac
[ -n "$host" ] && [ "$host" != "$hostport" ] || host=127.0.0.1
case $host in 0.0.0.0|'*'|'') host=127.0.0.1 ;; esac

NGINX=${NGINX:-/usr/sbin/nginx}
dir=$(mktemp -d "$base/nginx-server.XXXXXX")
chmod 755 "$dir"
mkdir -p "$dir/www$prefix" "$dir/logs" "$dir/tmp"
# 1 KiB body: 1023 'x' + newline
head -c 1023 /dev/zero | tr '\0' x >"$dir/www${prefix}x.txt"
echo >>"$dir/www${prefix}x.txt"
chmod -R a+rX "$dir/www"
printf '%s\n' "$url" >"$dir/service-url"

user_line=
# as root nginx switches its worker to "nobody"; the folder's parents (a 0700 temp folder) may not be
# readable for it, so keep the worker's user when root (loopback-only benchmark server)
[ "$(id -u)" = 0 ] && user_line='user root;'

cat >"$dir/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    # The limit, cheaply: the file's descriptor stays open (no open/stat/close per request), and no TCP_CORK toggling
    # around a response that fits one packet anyway.
    sendfile on;
    open_file_cache max=64 inactive=60s;
    open_file_cache_valid 60s;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    default_type text/plain;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen $host:$port;
        root $dir/www;
        location = $prefix { return 200 "ok\n"; }
        location $prefix { try_files \$uri =404; }
    }
}
EOF

# remove the folder after nginx (this PID after exec) is gone
me=$$
( trap '' HUP; while kill -0 "$me" 2>/dev/null; do sleep 0.5; done; rm -rf "$dir" ) </dev/null >/dev/null 2>&1 &

exec "$NGINX" -c "$dir/nginx.conf" -p "$dir" -e "$dir/logs/error.log" -g 'daemon off;'
