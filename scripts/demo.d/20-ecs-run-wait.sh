# shellcheck shell=bash
# ecs-run-wait: a one-off migration task against the emulator: its logs on stdout while it
# runs, its exit code passed on, a failure to start explained, Ctrl-C stopping the task, a
# detached start waited for later.
# Sourced by scripts/demo (set -euo pipefail; stage, show, DEMO_WORK, DEMO_ROOT, AWS_* set).
# The commands are the README's examples (ecs-run-wait/README.md), with --poll 1s and, where
# the task writes no log, --log-grace 1s (the emulator's stop times are the moment it is seen,
# so the default grace would be waited in full); the emulator's extension (emulator/ext_ecs.py)
# decides how each task ends, since nothing runs.

stage "ecs-run-wait: a one-off migration task, its logs and its exit code"
pushd "$DEMO_WORK" >/dev/null || fail "cannot enter $DEMO_WORK"
emulator() { curl -fsS -X POST -H 'Content-Type: application/json' -d "$2" "$AWS_ENDPOINT_URL/moto-api/$1" >/dev/null; }
transition() { emulator state-manager/set-transition "{\"model_name\":\"ecs::task\",\"transition\":$1}"; }

# The cluster, the migration's task definition (its output goes to CloudWatch Logs) and the
# service whose network, launch type and platform version the one-off task borrows.
aws ecs create-cluster --cluster-name prod >/dev/null
cat > migrate-taskdef.json <<'JSON'
{
  "family": "migrate", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
  "cpu": "256", "memory": "512",
  "containerDefinitions": [{
    "name": "app", "image": "123456789012.dkr.ecr.us-east-2.amazonaws.com/web:3f9c2a1",
    "memoryReservation": 256, "command": ["gunicorn", "web.wsgi"],
    "logConfiguration": {"logDriver": "awslogs", "options": {
      "awslogs-group": "/ecs/migrate", "awslogs-region": "us-east-2", "awslogs-stream-prefix": "ecs"}}
  }]
}
JSON
aws ecs register-task-definition --cli-input-json file://migrate-taskdef.json >/dev/null
aws logs create-log-group --log-group-name /ecs/migrate
subnet=$(aws ec2 describe-subnets --filters Name=default-for-az,Values=true \
  --query 'Subnets[0].SubnetId' --output text)
sg=$(aws ec2 describe-security-groups --group-names default --query 'SecurityGroups[0].GroupId' \
  --output text)
aws ecs create-service --cluster prod --service-name web --task-definition migrate \
  --desired-count 1 --launch-type FARGATE --platform-version 1.4.0 \
  --network-configuration "awsvpcConfiguration={subnets=[$subnet],securityGroups=[$sg],assignPublicIp=DISABLED}" \
  >/dev/null

# 1. The migration runs; what its container writes shows on stdout as it comes, and the exit
#    code is the container's. In the emulator the task runs until the "container" below has
#    written its output.
migration_output=(
  "Operations to perform: Apply all migrations: orders, users"
  "Applying orders.0041_add_status... OK"
  "Applying orders.0042_backfill_totals... OK"
  "Migrations complete."
)
play_container() {
  local arn stream t
  wait_for 60 "the migration task's start" jq -e '.task_arn | strings' migrate.json
  arn=$(jq -r .task_arn migrate.json)
  stream="ecs/app/${arn##*/}"
  aws logs create-log-stream --log-group-name /ecs/migrate --log-stream-name "$stream"
  t=$(($(date +%s) * 1000))
  for line in "${migration_output[@]}"; do
    aws logs put-log-events --log-group-name /ecs/migrate --log-stream-name "$stream" \
      --log-events "$(jq -cn --arg m "$line" --argjson t "$t" '[{timestamp: $t, message: $m}]')" >/dev/null
    t=$((t + 1))
  done
  transition '{"progression":"immediate"}' # the container exits 0
}
transition '{"progression":"manual","times":1000000000}'
rm -f migrate.json
play_container &
container=$!
pids+=("$container")
show ecs-run-wait --cluster prod --task-definition migrate --network-from-service web --poll 1s \
  --summary migrate.json -- ./manage.py migrate | tee migrate.out
wait "$container"
diff <(printf '%s\n' "${migration_output[@]}") <(tail -n +2 migrate.out) \
  || fail "the task's output on stdout is not its log, in order"
[ "$(jq -r '.outcome, .exit_code, .containers[0].exit_code' migrate.json | paste -sd ' ')" = "exited 0 0" ] \
  || fail "unexpected summary: $(cat migrate.json)"
task=$(aws ecs describe-tasks --cluster prod --tasks "$(jq -r .task_arn migrate.json)" --query 'tasks[0]')
[ "$(jq -r '.launchType, .overrides.containerOverrides[0].command[1]' <<<"$task" | paste -sd ' ')" = "FARGATE migrate" ] \
  || fail "the task did not run with the service's launch type and the command override"
echo "every log line on stdout in order, exit 0, network and launch type from service web (checked)"

# 2. A failing check exits with the container's own code.
transition '{"progression":"manual","times":1}'
emulator ext/ecs/task-result '{"family":"migrate","exitCode":3}'
set +e
show ecs-run-wait --cluster prod --task-definition migrate:1 --launch-type FARGATE \
  --subnets "$subnet" --security-groups "$sg" --container app \
  --env app:LOG_LEVEL=debug --timeout 30m --poll 1s --log-grace 1s -- ./manage.py migrate --check
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "expected exit code 3, got $rc"
echo "exit code 3 passed on (checked)"

# 3. A task that never ran has no exit code: 125, and why.
emulator ext/ecs/task-result '{"family":"migrate","stopCode":"TaskFailedToStart",
  "stoppedReason":"CannotPullContainerError: pull image manifest has been retried 5 time(s): manifest unknown",
  "reason":"CannotPullContainerError: 123456789012.dkr.ecr.us-east-2.amazonaws.com/web:3f9c2a1: not found"}'
set +e
show ecs-run-wait --cluster prod --task-definition migrate --network-from-service web --poll 1s \
  -- ./manage.py migrate
rc=$?
set -e
[ "$rc" -eq 125 ] || fail "expected exit code 125 for a task that failed to start, got $rc"
echo "TaskFailedToStart: exit 125 with stopCode and reasons (checked)"
emulator ext/reset '{}'

# 4. Ctrl-C (or a CI cancel) stops the task instead of leaving it behind.
transition '{"progression":"manual","times":1000000000}'
rm -f cancel.json
# (started directly, not through `show`, so that $! is ecs-run-wait itself)
echo_cmd ecs-run-wait --cluster prod --task-definition migrate --network-from-service web \
  --summary cancel.json -- ./manage.py migrate '&'
ecs-run-wait --cluster prod --task-definition migrate --network-from-service web \
  --summary cancel.json -- ./manage.py migrate &
waiter=$!
pids+=("$waiter")
wait_for 60 "the task's start" jq -e '.task_arn | strings' cancel.json
echo "(sending SIGINT, as Ctrl-C does)"
kill -INT "$waiter"
set +e
wait "$waiter"
rc=$?
set -e
[ "$rc" -eq 130 ] || fail "expected exit code 130 after SIGINT, got $rc"
stopped=$(aws ecs describe-tasks --cluster prod --tasks "$(jq -r .task_arn cancel.json)" \
  | jq -r '.tasks[0] | "\(.lastStatus) \(.stopCode)"')
[ "$stopped" = "STOPPED UserInitiated" ] || fail "the task was not stopped: $stopped"
echo "SIGINT: exit 130, task stopped (checked)"

# 5. Start now, wait later.
transition '{"progression":"manual","times":1}'
# shellcheck disable=SC2016 # the command as shown, not expanded
echo_cmd 'arn=$(ecs-run-wait --detach --cluster prod --task-definition migrate --network-from-service web)'
arn=$(ecs-run-wait --detach --cluster prod --task-definition migrate --network-from-service web)
case $arn in arn:aws:ecs:us-east-2:*:task/prod/*) ;; *) fail "--detach printed $arn" ;; esac
show ecs-run-wait --attach "$arn" --poll 1s --log-grace 1s
echo "--detach then --attach (checked)"

# Leave the emulator as the next stages expect it.
emulator state-manager/unset-transition '{"model_name":"ecs::task"}'
emulator ext/reset '{}'
popd >/dev/null || fail "cannot leave $DEMO_WORK"
