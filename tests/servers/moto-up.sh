#!/usr/bin/env bash
# moto_server (AWS mock: Lambda control plane, S3, IAM, STS, ...) on 127.0.0.1:PORT with request
# signature checking ON: every request must be SigV4-signed with the key pair left in DIR/credentials
# (IAM user lithops-test, inline policy Allow * on *), or it gets 403. Also creates the IAM role
# lithops-test-role (trusted by lambda.amazonaws.com), ARN in DIR/role_arn, and switches moto's Lambda
# to its Docker-less "simple" mode (Invoke answers at once, echoing the request payload; see AWS-NOTES.md).
# Leaves: DIR/credentials (env file: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION,
# AWS_ENDPOINT_URL), DIR/role_arn, DIR/port, DIR/moto.pid, DIR/moto.log. Clears what an earlier run
# of DIR left. Tools from aws-tools.sh in $AWS_TOOLS (default /opt/lithops-test-tools; installed if
# missing).   usage: moto-up.sh DIR [PORT=5000]        stop: moto-down.sh DIR
# Do not POST /moto-api/reset: it wipes the IAM user too (every later request then gets 403).
set -euo pipefail
t0=${EPOCHREALTIME/./}
D=$(realpath -m "${1:?usage: moto-up.sh DIR [PORT]}"); P=${2:-5000}; H=$(dirname "$0")
T=${AWS_TOOLS:-/opt/lithops-test-tools}
bash "$H/aws-tools.sh" "$T"
bash "$H/moto-down.sh" "$D"
# a moto_server of an earlier run whose pid file is gone (DIR wiped) still holds the port
old=(); for p in $(ss -tlnpH "sport = :$P" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = moto_server ] && old+=("$p"); done
bash "$H/kill-wait.sh" "${old[@]}"
rm -rf "$D"; mkdir -p "$D"
echo "$P" > "$D/port"
URL=http://127.0.0.1:$P
nohup setsid "$T/venv/bin/moto_server" -H 127.0.0.1 -p "$P" </dev/null >"$D/moto.log" 2>&1 &
echo $! > "$D/moto.pid"
for i in $(seq 1 300); do   # up to 30 s
  curl -s -m 1 -o /dev/null "$URL/moto-api/" && break
  kill -0 "$(cat "$D/moto.pid")" 2>/dev/null || { echo "moto_server died; see $D/moto.log" >&2; exit 1; }
  sleep 0.1
done
curl -s -m 1 -o /dev/null "$URL/moto-api/" || { echo "moto_server does not answer on $URL" >&2; exit 1; }
# Lambda without Docker. Before any function exists: the simple mode keeps its functions in a
# backend of its own, so functions created in the other mode are not seen after a switch.
curl -sf -m 5 -o /dev/null -XPOST -H 'Content-Type: application/json' \
  --data-binary '{"lambda": {"use_docker": false}}' "$URL/moto-api/config"
# Authentication is off until /moto-api/reset-auth sets the number of unauthenticated requests left
# (moto's INITIAL_NO_AUTH_ACTION_COUNT, infinite by default): create the user and role first, then 0.
"$T/venv/bin/python" - "$URL" "$D" <<'PY'
import boto3, botocore.exceptions, json, sys, urllib.request
url, d = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=url, region_name='us-east-1')
iam = boto3.client('iam', aws_access_key_id='setup', aws_secret_access_key='setup', **kw)
iam.create_user(UserName='lithops-test')
iam.put_user_policy(UserName='lithops-test', PolicyName='all', PolicyDocument=json.dumps(
    {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}))
k = iam.create_access_key(UserName='lithops-test')['AccessKey']
role = iam.create_role(RoleName='lithops-test-role', AssumeRolePolicyDocument=json.dumps(
    {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole',
     'Principal': {'Service': 'lambda.amazonaws.com'}}]}))['Role']['Arn']
req = urllib.request.Request(url + '/moto-api/reset-auth', data=b'0', method='POST',
                             headers={'Content-Type': 'text/plain'})  # form content types leave the body empty
urllib.request.urlopen(req, timeout=5).read()
with open(d + '/credentials', 'w') as f:
    f.write(f"AWS_ACCESS_KEY_ID={k['AccessKeyId']}\nAWS_SECRET_ACCESS_KEY={k['SecretAccessKey']}\n"
            f"AWS_DEFAULT_REGION=us-east-1\nAWS_ENDPOINT_URL={url}\n")
with open(d + '/role_arn', 'w') as f:
    f.write(role + '\n')
# signature checking is on: the right secret passes, a wrong one gets 403
def who(secret):
    return boto3.client('sts', aws_access_key_id=k['AccessKeyId'], aws_secret_access_key=secret,
                        **kw).get_caller_identity()['Arn']
who(k['SecretAccessKey'])
try:
    who(k['SecretAccessKey'] + 'x'); sys.exit('moto accepted a wrong secret: auth is off')
except botocore.exceptions.ClientError as e:
    assert e.response['ResponseMetadata']['HTTPStatusCode'] == 403, e.response
PY
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
printf 'moto ready at %s, signatures checked, credentials in %s/credentials (%d.%02d s)\n' \
  "$URL" "$D" $((ms / 1000)) $((ms % 1000 / 10))
