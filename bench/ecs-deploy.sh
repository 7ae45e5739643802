#!/usr/bin/env bash
# Benchmark of ecs-deploy against what pipelines use to deploy a registered revision, run by
# hand against the local emulator (its rollout model, emulator/ext_ecs_deploy.py, moves each
# deployment to COMPLETED in ROLLOUT seconds):
#
#   bench/ecs-deploy.sh              # release build; RUNS=5 ROLLOUT=3
#
# Side by side in the same run, each deploying the other of two revisions to one service
# (one task), in rotation:
#   - ecs-deploy --task-definition ARN, with its default --poll 10s and with --poll 1s;
#   - the AWS CLI: aws ecs update-service + aws ecs wait services-stable + describe-services
#     (the waiter polls every 15 s, its first look at once);
#   - a boto3 script doing the same: update_service + get_waiter("services_stable") +
#     describe_services (the same waiter model, 15 s).
#
# For each run: the total wall time (process start to exit); the overhead beyond the rollout's
# own duration (total minus the service deployment's finishedAt - createdAt, which is ROLLOUT
# in the emulator); the part of it before the rollout starts (process start to the service
# deployment's createdAt: start-up, the calls before UpdateService); and the time from the rollout's end (the service deployment's finishedAt,
# which the emulator stamps with the moment it was due, as the "has reached a steady state"
# event) to the exit. The rollout starts with the first poll of each client a few hundred
# milliseconds behind, so for a fixed ROLLOUT the time to the exit is about
# ceil(ROLLOUT / poll) * poll - ROLLOUT (for ecs-deploy) and 15 s - ROLLOUT (for the waiters),
# not a random phase: see bench/README.md. Ratios are against ecs-deploy's defaults.
#
# Results: bench/results/ecs-deploy-<time>.txt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-5}
rollout=${ROLLOUT:-3}
for tool in jq curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done

scripts/setup-emulator
cargo build --release --locked --quiet -p ecs-deploy
target_dir=$(cargo metadata --locked --format-version 1 --no-deps | jq -r .target_directory)
bin=$target_dir/release/ecs-deploy
py=$root/.venv/bin/python
export PATH="$root/.venv/bin:$PATH"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$root/bench/results
mkdir -p "$results"
report=$results/ecs-deploy-$stamp.txt
work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$py" emulator/moto_server.py -H 127.0.0.1 -p "$port" --exit-with-parent >"$work/moto.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-2 AWS_DEFAULT_REGION=us-east-2
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN GITHUB_ACTIONS
curl -fsS -X POST -H 'Content-Type: application/json' "$AWS_ENDPOINT_URL/moto-api/ext/ecs/rollout" \
  -d "{\"seconds\": $rollout}" >/dev/null

cat >"$work/cli-sequence.sh" <<'SH'
set -euo pipefail
aws ecs update-service --cluster bench --service web --task-definition "$1" >/dev/null
aws ecs wait services-stable --cluster bench --services web
aws ecs describe-services --cluster bench --services web \
  --query 'services[0].deployments[0].rolloutState' --output text >/dev/null
SH
cat >"$work/boto3-sequence.py" <<'PY'
import sys
import boto3
ecs = boto3.client("ecs")
ecs.update_service(cluster="bench", service="web", taskDefinition=sys.argv[1])
ecs.get_waiter("services_stable").wait(cluster="bench", services=["web"])
ecs.describe_services(cluster="bench", services=["web"])["services"][0]["deployments"][0]["rolloutState"]
PY

cat >"$work/bench.py" <<'PY'
"""Deploy the other of two revisions with each client in rotation; time each run against the
service deployment's own createdAt / finishedAt."""
import shlex, statistics, subprocess, sys, time
import boto3

runs, rollout, clients = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
clients = [c.split("=", 1) for c in clients]  # label=command (the ARN is appended)
ecs = boto3.client("ecs")
tds = []
for image in ("app:1", "app:2"):
    td = ecs.register_task_definition(family="web", containerDefinitions=[
        {"name": "app", "image": image, "memory": 64, "essential": True}])
    tds.append(td["taskDefinition"]["taskDefinitionArn"])
ecs.create_cluster(clusterName="bench")
ecs.create_service(cluster="bench", serviceName="web", taskDefinition=tds[0], desiredCount=1)


def deployment():
    svc = ecs.describe_services(cluster="bench", services=["web"])["services"][0]
    arn = svc["currentServiceDeployment"]
    return ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]


def settle():
    while deployment()["status"] != "SUCCESSFUL":
        time.sleep(0.2)


settle()
current = 0
figures = {label: [] for label, _ in clients}
for _ in range(runs):
    for label, cmd in clients:
        current = 1 - current
        start = time.time()
        proc = subprocess.run(shlex.split(cmd) + [tds[current]], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        end = time.time()
        dep = deployment()
        if proc.returncode != 0 or dep["status"] != "SUCCESSFUL" or dep["targetServiceRevision"]["arn"] is None:
            sys.exit(f"bench: {label} exited {proc.returncode}, deployment {dep['status']}")
        created, finished = dep["createdAt"].timestamp(), dep["finishedAt"].timestamp()
        figures[label].append((end - start, end - start - (finished - created), created - start,
                               end - finished))
        settle()


def row(values):
    return f"{statistics.mean(values):6.2f} ({min(values):5.2f} to {max(values):5.2f})"


print(f"{'client':<52} {'total s':<21} {'overhead s':<21} {'start -> update s':<21} {'rollout end -> exit s'}")
means = {}
for label, _ in clients:
    cols = list(zip(*figures[label]))
    means[label] = [statistics.mean(c) for c in cols]
    print(f"{label:<52} " + " ".join(f"{row(c):<21}" for c in cols))
base = clients[0][0]
for label, _ in clients[1:]:
    o, s, t = (means[label][i] / means[base][i] for i in (1, 2, 3))
    print(f"{label} / {base}: overhead {o:.2f}x, start -> update {s:.2f}x, "
          f"rollout end -> exit {t:.2f}x")
PY

{
  echo "ecs-deploy benchmark, $stamp"
  echo "machine: $(nproc) cores, $(uname -sr); $(aws --version 2>&1); moto $("$py" -c 'import moto; print(moto.__version__)'); boto3 $("$py" -c 'import boto3; print(boto3.__version__)')"
  echo "rollout: $rollout s in the emulator; $runs runs per client, in rotation; mean (min to max)"
  echo
} | tee "$report"
"$py" "$work/bench.py" "$runs" "$rollout" \
  "ecs-deploy (default --poll 10s)=$bin --cluster bench --service web --quiet --task-definition" \
  "ecs-deploy --poll 1s=$bin --cluster bench --service web --quiet --poll 1s --task-definition" \
  "aws CLI: update + wait services-stable + describe=bash $work/cli-sequence.sh" \
  "boto3: update + services_stable waiter + describe=$py $work/boto3-sequence.py" \
  | tee -a "$report"
echo "bench: results in $report" >&2
