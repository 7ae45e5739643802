# shellcheck shell=bash
# ecs-run-wait: the migration as a one-off task of the new revision, with the service's network
# configuration. The emulator's task runner runs its command (demo/app/migrate: psql applying
# the SQL files to the throwaway PostgreSQL) with the task's environment and its secret
# DB_PASSWORD from Secrets Manager; the output goes to CloudWatch Logs, ecs-run-wait streams it
# from there, and exits with the container's exit code.
# needs: register
# Sourced by scripts/demo (set -euo pipefail; stage, run_shown, fail, DEMO_WORK;
# TASK_DEFINITION, $GITHUB_ENV's values loaded).

stage "ecs-run-wait: the migration as a one-off task, its logs streamed, its exit code"
pushd "$DEMO_WORK" >/dev/null || exit 1
schema() { PGPASSWORD=$DB_PASSWORD psql -X -t -A -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" \
  -c 'SELECT coalesce(max(version), 0) FROM schema_version' 2>/dev/null || echo 0; }
run_shown <<'CMD'
ecs-run-wait --cluster "$CLUSTER" --task-definition "$TASK_DEFINITION" --network-from-service "$SERVICE" \
  --poll 1s --log-grace 1s --summary migrate.json -- ./migrate | tee migrate.log
CMD
[ "$(jq -r '.outcome, .exit_code' migrate.json | paste -sd ' ')" = "exited 0" ] \
  || fail "unexpected summary: $(cat migrate.json)"
grep -qx 'applying 002_order_status.sql' migrate.log || fail "the migration's log did not come through"
# The lines on stdout are the task's log stream in CloudWatch Logs, in order.
stream=$(jq -r '.logs[0].stream' migrate.json)
aws logs get-log-events --log-group-name "$PIPELINE_LOG_GROUP" --log-stream-name "$stream" \
  --start-from-head --query 'events[].message' --output json | jq -r '.[]' >migrate.cloudwatch
diff migrate.cloudwatch migrate.log >/dev/null || fail "stdout is not the task's log stream"
[ "$(schema)" = 2 ] || fail "the schema is at $(schema), not 2"
lines=$(wc -l <migrate.log)
echo "exit 0, $lines log lines from CloudWatch Logs ($stream), the schema at version 2 (checked)"
verdict "schema 0 -> 2 (psql in a one-off task), $lines log lines streamed, exit 0"
popd >/dev/null || exit 1
