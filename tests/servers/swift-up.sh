#!/usr/bin/env bash
# One-node OpenStack Swift (Debian's packages: account, container and object servers on
# 127.0.0.1:6212/6211/6210, one replica, a plain directory as the device, no rsync) behind a proxy on
# 127.0.0.1:8080 (native Swift API; no s3api) that takes two kinds of tokens:
#   TempAuth (v1): GET http://127.0.0.1:8080/auth/v1.0 with X-Auth-User/X-Auth-Key; accounts TEMPAUTH_*
#   Keystone v3:   a real Keystone (Debian's keystone, SQLite, fernet tokens, under uwsgi) on
#                  127.0.0.1:5001, checked by keystonemiddleware's authtoken + keystoneauth; accounts
#                  AUTH_<project id>, listed in Keystone's catalog as object-store, RegionOne, public
# plus tempurl (presigned URLs), slo, bulk and memcached on 127.0.0.1:11212 (TempAuth keeps its tokens
# there). Passwords are drawn afresh each run.
# Leaves: DIR/credentials (env file: SWIFT_TEMPAUTH_URL, SWIFT_USER, SWIFT_KEY, SWIFT_KEYSTONE_URL,
# SWIFT_USER_ID, SWIFT_PROJECT_ID, SWIFT_PASSWORD, SWIFT_REGION, SWIFT_STORAGE_URL), DIR/etc (configs),
# DIR/run/*.pid, DIR/log/*.log. Clears what an earlier run of DIR left. The packages are installed
# if missing (apt-get).
# usage: swift-up.sh DIR        stop: swift-down.sh DIR
set -euo pipefail
t0=${EPOCHREALTIME/./}
D=$(realpath -m "${1:?usage: swift-up.sh DIR}"); H=$(dirname "$0")
PROXY=8080 OBJ=6210 CONT=6211 ACC=6212 KS=5001 MC=11212
PKGS=(swift swift-proxy swift-object swift-account swift-container memcached keystone
  python3-keystonemiddleware uwsgi-core uwsgi-plugin-python3 curl python3)
missing=(); for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bash "$H/swift-down.sh" "$D"
# servers of an earlier run whose pid files are gone (DIR wiped) still hold the ports
old=(); for port in $PROXY $OBJ $CONT $ACC $KS $MC; do
  for p in $(ss -tlnpH "sport = :$port" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    grep -qE 'swift|uwsgi|memcached' "/proc/$p/cmdline" 2>/dev/null && old+=("$p"); done; done
bash "$H/kill-wait.sh" "${old[@]}"
rm -rf "$D"; mkdir -p "$D/etc" "$D/node/d1" "$D/log" "$D/run" "$D/keystone"
chown memcache "$D/run" 2>/dev/null || chmod 777 "$D/run"   # memcached drops to user memcache, then writes its pid
rnd() { head -c 18 /dev/urandom | base64 -w0 | tr '+/' 'xy'; }
TEMPAUTH_KEY=$(rnd) PASSWORD=$(rnd) ADMIN_PASSWORD=$(rnd)

# ---- Keystone: SQLite, fernet tokens, bootstrapped with an admin and a user of our own ----
K=$D/keystone
cat > "$K/keystone.conf" <<EOF
[DEFAULT]
log_file = $D/log/keystone.log
[database]
connection = sqlite:///$K/keystone.db
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $K/fernet-keys
[fernet_receipts]
key_repository = $K/fernet-receipts
[credential]
key_repository = $K/credential-keys
EOF
km() { keystone-manage --config-file "$K/keystone.conf" "$@" >>"$D/log/keystone-manage.log" 2>&1; }
km db_sync
km fernet_setup --keystone-user root --keystone-group root
km credential_setup --keystone-user root --keystone-group root
km bootstrap --bootstrap-password "$ADMIN_PASSWORD" --bootstrap-region-id RegionOne \
  --bootstrap-admin-url "http://127.0.0.1:$KS/v3/" --bootstrap-public-url "http://127.0.0.1:$KS/v3/" \
  --bootstrap-internal-url "http://127.0.0.1:$KS/v3/"
# One thread: a refused password makes Keystone write to its SQLite database, and concurrent
# writers there fail with "database is locked" (a 500 with an empty answer) after 5 s.
OS_KEYSTONE_CONFIG_FILES=$K/keystone.conf nohup setsid uwsgi --plugin python3 --http-socket "127.0.0.1:$KS" \
  --wsgi-file /usr/bin/keystone-wsgi-public --master --processes 1 --threads 1 --die-on-term --need-app \
  --pidfile "$D/run/keystone.pid" </dev/null >"$D/log/keystone-uwsgi.log" 2>&1 &
for i in $(seq 1 300); do   # up to 30 s: the version document answers 200 once the app is loaded
  code=$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$KS/v3" || true)
  [ "$code" = 200 ] && break
  sleep 0.1
done
[ "$code" = 200 ] || { echo "keystone answers $code on http://127.0.0.1:$KS/v3; see $D/log/keystone-uwsgi.log" >&2; exit 1; }
# The object-store service and its endpoint, and a member user in a project of its own, through
# Keystone's API as an operator would (the openstack CLI is not needed for four calls).
IDS=$(KS=$KS ADMIN_PASSWORD=$ADMIN_PASSWORD PASSWORD=$PASSWORD PROXY=$PROXY python3 - <<'PY'
import json, os, urllib.request
base = "http://127.0.0.1:%s/v3" % os.environ["KS"]
def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json", **({"X-Auth-Token": token} if token else {})})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.headers.get("X-Subject-Token"), json.loads(r.read() or b"{}")
tok, _ = call("POST", "/auth/tokens", {"auth": {"identity": {"methods": ["password"], "password": {"user": {
    "name": "admin", "domain": {"id": "default"}, "password": os.environ["ADMIN_PASSWORD"]}}},
    "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
_, svc = call("POST", "/services", {"service": {"type": "object-store", "name": "swift"}}, tok)
call("POST", "/endpoints", {"endpoint": {"service_id": svc["service"]["id"], "interface": "public", "region_id": "RegionOne",
     "url": "http://127.0.0.1:%s/v1/AUTH_$(project_id)s" % os.environ["PROXY"]}}, tok)
_, proj = call("POST", "/projects", {"project": {"name": "lithops", "domain_id": "default"}}, tok)
_, user = call("POST", "/users", {"user": {"name": "lithops", "domain_id": "default", "password": os.environ["PASSWORD"]}}, tok)
_, roles = call("GET", "/roles?name=member", None, tok)
call("PUT", "/projects/%s/users/%s/roles/%s" % (proj["project"]["id"], user["user"]["id"], roles["roles"][0]["id"]), None, tok)
print(user["user"]["id"], proj["project"]["id"])
PY
)
USER_ID=${IDS% *} PROJECT_ID=${IDS#* }

# ---- Swift ----
cat > "$D/etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = lithops-test-suffix
swift_hash_path_prefix = lithops-test-prefix
[storage-policy:0]
name = gold
default = yes
EOF
for s in account:$ACC container:$CONT object:$OBJ; do n=${s%%:*}; p=${s##*:}
  cat > "$D/etc/$n-server.conf" <<EOF
[DEFAULT]
devices = $D/node
mount_check = false
bind_ip = 127.0.0.1
bind_port = $p
workers = 0
swift_dir = $D/etc
log_name = $n-server
[pipeline:main]
pipeline = $n-server
[app:$n-server]
use = egg:swift#$n
EOF
  swift-ring-builder "$D/etc/$n.builder" create 8 1 1 >/dev/null
  swift-ring-builder "$D/etc/$n.builder" add "r1z1-127.0.0.1:$p/d1" 1 >/dev/null
  swift-ring-builder "$D/etc/$n.builder" rebalance >/dev/null || true   # exit 1 is a warning here
done
# authtoken with delay_auth_decision lets TempAuth's tokens through to tempauth; each auth middleware
# serves its own reseller prefix (TEMPAUTH_ vs Keystone's AUTH_), and tempauth comes last: keystoneauth
# sets an anonymous authorize for tokens it does not know, which tempauth then replaces for its own.
# tempurl before them all.
cat > "$D/etc/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PROXY
workers = 0
swift_dir = $D/etc
log_name = proxy-server
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl authtoken keystoneauth tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:tempauth]
use = egg:swift#tempauth
reseller_prefix = TEMPAUTH
user_test_tester = $TEMPAUTH_KEY .admin http://127.0.0.1:$PROXY/v1/TEMPAUTH_test
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
www_authenticate_uri = http://127.0.0.1:$KS
auth_url = http://127.0.0.1:$KS
auth_type = password
project_domain_id = default
user_domain_id = default
project_name = admin
username = admin
password = $ADMIN_PASSWORD
delay_auth_decision = True
# Swift's own memcache client (the python memcache module is not installed). authtoken still asks
# Keystone about every TempAuth token (and is refused: ~50 ms a request), which is the price of both
# kinds of tokens on one proxy.
cache = swift.cache
[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member
reseller_prefix = AUTH_
[filter:tempurl]
use = egg:swift#tempurl
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MC
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
EOF
memcached -u memcache -l 127.0.0.1 -p "$MC" -m 64 -d -P "$D/run/memcached.pid"
for n in account container object proxy; do
  nohup setsid "/usr/bin/swift-$n-server" "$D/etc/$n-server.conf" -v </dev/null >"$D/log/$n.log" 2>&1 &
  echo $! > "$D/run/$n.pid"
done
TEMPAUTH_URL=http://127.0.0.1:$PROXY/auth/v1.0
for i in $(seq 1 300); do   # up to 30 s: the proxy and, behind it, the account server answer a TempAuth login
  code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' -H "X-Auth-User: test:tester" -H "X-Auth-Key: $TEMPAUTH_KEY" \
    "$TEMPAUTH_URL" || true)
  [ "$code" = 200 ] && break
  for n in account container object proxy; do
    kill -0 "$(cat "$D/run/$n.pid")" 2>/dev/null || { echo "swift-$n-server died; see $D/log/$n.log" >&2; exit 1; }
  done
  sleep 0.1
done
[ "$code" = 200 ] || { echo "swift answers $code, not 200, to a TempAuth login on $TEMPAUTH_URL" >&2; exit 1; }
TOKEN=$(curl -s -D - -o /dev/null -H "X-Auth-User: test:tester" -H "X-Auth-Key: $TEMPAUTH_KEY" "$TEMPAUTH_URL" |
  tr -d '\r' | sed -n 's/^[Xx]-[Aa]uth-[Tt]oken: //p')
for i in $(seq 1 300); do   # the account server ready: the account answers (autocreated on first use)
  code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" \
    "http://127.0.0.1:$PROXY/v1/TEMPAUTH_test?format=json" || true)
  [[ "$code" == 20? ]] && break
  sleep 0.1
done
[[ "$code" == 20? ]] || { echo "swift answers $code listing the TempAuth account; see $D/log/proxy.log" >&2; exit 1; }
printf 'SWIFT_TEMPAUTH_URL=%s\nSWIFT_USER=test:tester\nSWIFT_KEY=%s\nSWIFT_KEYSTONE_URL=%s\nSWIFT_USER_ID=%s\nSWIFT_PROJECT_ID=%s\nSWIFT_PASSWORD=%s\nSWIFT_REGION=RegionOne\nSWIFT_STORAGE_URL=%s\n' \
  "$TEMPAUTH_URL" "$TEMPAUTH_KEY" "http://127.0.0.1:$KS/v3" "$USER_ID" "$PROJECT_ID" "$PASSWORD" \
  "http://127.0.0.1:$PROXY/v1/TEMPAUTH_test" > "$D/credentials"
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'swift ready at http://127.0.0.1:%s (TempAuth, and Keystone v3 at http://127.0.0.1:%s/v3), credentials in %s/credentials (%d.%02d s)\n' \
  "$PROXY" "$KS" "$D" $((ms / 1000)) $((ms % 1000 / 10))
