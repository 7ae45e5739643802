#!/usr/bin/env bash
# Benchmark of ecs-run-wait against the AWS CLI sequence CI pipelines use for a one-off task,
# run by hand against the local emulator:
#
#   bench/ecs-run-wait.sh            # release build, hyperfine, peak memory; RUNS=10 STOPS=8
#
#   aws ecs run-task ... --query 'tasks[0].taskArn'
#   aws ecs wait tasks-stopped ...
#   aws ecs describe-tasks ... --query 'tasks[0].containers[0].exitCode'
#   aws logs get-log-events --start-from-head ...
#
# 1. Overhead: a task that is already stopped when RunTask answers (the emulator's
#    `immediate` transition), so all of the wall time is the client's own. hyperfine, both
#    sides side by side. ecs-run-wait is timed with --log-grace 0s (its own work) and with the
#    default 5s: after a stop it keeps reading for 5 s after the containers stopped, and the
#    emulator's stop time is the moment the stop is seen, so the default waits in full here
#    (on AWS the stop is seen tens of seconds after the containers stopped).
# 2. Reaction: a running task is stopped with StopTask at a random moment; the time from that
#    call to the exit of ecs-run-wait and of the CLI sequence (whose waiter polls every 6 s),
#    STOPS times each. ecs-run-wait with its defaults (--poll 6s, --log-grace 5s: here the exit
#    waits for the grace, counted from the StopTask), and with --log-grace 0s (--poll 6s and
#    2s), which is when the exit code is known.
# 3. Throughput and memory: --attach to a stopped task whose stream holds 20,000 log events.
#
# Peak memory from /usr/bin/time -f %M. Results: bench/results/ecs-run-wait-<time>.{md,txt}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${RUNS:-10}
stops=${STOPS:-8}
for tool in hyperfine jq curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is not installed" >&2; exit 1; }

scripts/setup-emulator
cargo build --release --locked --quiet -p ecs-run-wait
target_dir=$(cargo metadata --locked --format-version 1 --no-deps | jq -r .target_directory)
bin=$target_dir/release/ecs-run-wait
py=$root/.venv/bin/python
export PATH="$root/.venv/bin:$PATH"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$root/bench/results
mkdir -p "$results"
report=$results/ecs-run-wait-$stamp.txt
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
transition() {
  curl -fsS -X POST -H 'Content-Type: application/json' "$AWS_ENDPOINT_URL/moto-api/state-manager/set-transition" \
    -d "{\"model_name\":\"ecs::task\",\"transition\":$1}" >/dev/null
}

aws ecs create-cluster --cluster-name bench >/dev/null
aws ecs register-task-definition --family migrate --network-mode awsvpc \
  --requires-compatibilities FARGATE --cpu 256 --memory 512 --container-definitions \
  '[{"name":"app","image":"app:1","memoryReservation":128,"logConfiguration":{"logDriver":"awslogs",
     "options":{"awslogs-group":"/ecs/migrate","awslogs-region":"us-east-2","awslogs-stream-prefix":"ecs"}}}]' \
  >/dev/null
aws logs create-log-group --log-group-name /ecs/migrate
subnet=$(aws ec2 describe-subnets --query 'Subnets[0].SubnetId' --output text)
net="awsvpcConfiguration={subnets=[$subnet],securityGroups=[sg-0123456789abcdef0]}"
tool="$bin --cluster bench --task-definition migrate --launch-type FARGATE --subnets $subnet --security-groups sg-0123456789abcdef0 --quiet"

cat >"$work/cli-sequence.sh" <<SH
set -euo pipefail
arn=\$(aws ecs run-task --cluster bench --task-definition migrate --launch-type FARGATE \\
  --network-configuration '$net' --query 'tasks[0].taskArn' --output text)
aws ecs wait tasks-stopped --cluster bench --tasks "\$arn"
code=\$(aws ecs describe-tasks --cluster bench --tasks "\$arn" --query 'tasks[0].containers[0].exitCode' --output text)
aws logs get-log-events --log-group-name /ecs/migrate --log-stream-name "ecs/app/\${arn##*/}" \\
  --start-from-head --output text >/dev/null 2>&1 || true
exit "\$code"
SH

{
  echo "ecs-run-wait benchmark, $stamp"
  echo "machine: $(nproc) cores, $(uname -sr); $(aws --version 2>&1); moto $("$py" -c 'import moto; print(moto.__version__)')"
  echo
} >"$report"

# --- 1. overhead: a task already stopped -------------------------------------------------
transition '{"progression":"immediate"}'
hyperfine --warmup 2 --runs "$runs" -N --export-markdown "$results/ecs-run-wait-$stamp-overhead.md" \
  --export-json "$work/overhead.json" \
  -n "ecs-run-wait --log-grace 0s" "$tool --log-grace 0s" \
  -n "ecs-run-wait (default --log-grace 5s)" "$tool" \
  -n "ecs-run-wait --no-logs" "$tool --no-logs" \
  -n "aws CLI sequence" "bash $work/cli-sequence.sh"
mean() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .mean' "$work/overhead.json"; }
t_tool=$(mean "ecs-run-wait --log-grace 0s")
t_default=$(mean "ecs-run-wait (default --log-grace 5s)")
t_nologs=$(mean "ecs-run-wait --no-logs")
t_cli=$(mean "aws CLI sequence")
mem_tool=$(/usr/bin/time -f %M $tool --log-grace 0s 2>&1 >/dev/null | tail -1)
mem_cli=$(/usr/bin/time -f %M bash "$work/cli-sequence.sh" 2>&1 >/dev/null | tail -1)
{
  echo "1. A task already stopped when RunTask answers (mean of $runs runs, hyperfine)"
  cat "$results/ecs-run-wait-$stamp-overhead.md"
  echo
  awk -v a="$t_tool" -v b="$t_cli" -v c="$t_nologs" -v d="$t_default" 'BEGIN {
    printf "ecs-run-wait --log-grace 0s: %.3f s, --no-logs: %.3f s; aws CLI sequence: %.3f s\n", a, c, b
    printf "=> %.1fx less overhead than the CLI sequence (%.1fx with --no-logs)\n", b / a, b / c
    printf "default --log-grace 5s: %.3f s (the grace is waited in full in the emulator)\n", d
  }'
  echo "peak memory: ecs-run-wait ${mem_tool} KB; aws CLI sequence (largest process) ${mem_cli} KB"
  echo
} | tee -a "$report"

# --- 2. reaction: StopTask at a random moment, time to the exit ------------------------------
transition '{"progression":"manual","times":1000000000}'
cat >"$work/stops.py" <<'PY'
"""Start a waiter, StopTask its task at a random moment, time from the call to the exit."""
import random, shlex, subprocess, sys, time
import boto3
n, label, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ecs = boto3.client("ecs")
delays, codes = [], set()
for _ in range(n):
    before = set(ecs.list_tasks(cluster="bench")["taskArns"])
    proc = subprocess.Popen(shlex.split(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        new = set(ecs.list_tasks(cluster="bench")["taskArns"]) - before
        if new:
            arn = new.pop()
            break
        time.sleep(0.02)
    time.sleep(1 + random.uniform(0, 6))  # a random phase against the poll interval
    t0 = time.monotonic()
    ecs.stop_task(cluster="bench", task=arn, reason="bench")
    codes.add(proc.wait(timeout=120))
    delays.append(time.monotonic() - t0)
delays.sort()
print(f"{label}: StopTask -> exit: min {delays[0]:.2f} s, mean {sum(delays) / n:.2f} s, "
      f"max {delays[-1]:.2f} s over {n} stops; exit codes {sorted(codes)}")
PY
{
  echo "2. StopTask at a random moment while the task runs: time from the call to the exit"
  "$py" "$work/stops.py" "$stops" "ecs-run-wait (defaults: --poll 6s --log-grace 5s)" "$tool"
  "$py" "$work/stops.py" "$stops" "ecs-run-wait --log-grace 0s (--poll 6s)" "$tool --log-grace 0s"
  "$py" "$work/stops.py" "$stops" "ecs-run-wait --poll 2s --log-grace 0s" "$tool --poll 2s --log-grace 0s"
  "$py" "$work/stops.py" "$stops" "aws CLI sequence (waiter: 6 s)" "bash $work/cli-sequence.sh"
  echo "(the emulator gives exit code 143 to a container stopped with StopTask; the CLI"
  echo " sequence passes on what describe-tasks says)"
  echo
} | tee -a "$report"

# --- 3. throughput and memory: 20,000 log lines ------------------------------------------------
arn=$($tool --detach)
"$py" - "$arn" <<'PY'
import sys, time
import boto3
logs = boto3.client("logs")
stream = "ecs/app/" + sys.argv[1].rsplit("/", 1)[1]
logs.create_log_stream(logGroupName="/ecs/migrate", logStreamName=stream)
t = int(time.time() * 1000) - 60_000
for batch in range(4):
    events = [{"timestamp": t + batch * 5000 + i, "message": f"line {batch * 5000 + i:05d} " + "x" * 80}
              for i in range(5000)]
    logs.put_log_events(logGroupName="/ecs/migrate", logStreamName=stream, logEvents=events)
PY
transition '{"progression":"immediate"}'
start=$(date +%s.%N)
mem_logs=$(/usr/bin/time -f %M "$bin" --attach "$arn" --log-grace 0s --quiet 2>"$work/time.txt" \
  | tee "$work/lines.txt" | wc -l; tail -1 "$work/time.txt")
end=$(date +%s.%N)
{
  echo "3. --attach to a stopped task with 20,000 log events of 90 bytes"
  echo "$mem_logs" | paste -sd ' ' | awk -v s="$start" -v e="$end" \
    '{ printf "%d lines in %.2f s, peak memory %d KB\n", $1, e - s, $2 }'
} | tee -a "$report"
[ "$(wc -l <"$work/lines.txt")" -eq 20000 ] || { echo "bench: lines were lost" >&2; exit 1; }
echo "bench: results in $report" >&2
