# shellcheck shell=bash
# A broken migration (demo/app/migrations-broken: an index on a misspelt column) as the same
# one-off task: psql stops with exit code 3 (an SQL error under ON_ERROR_STOP), ecs-run-wait
# exits with that code, and a CI job stops there: nothing after it runs. The failed file was
# rolled back: the schema stays at 2 and the app stays healthy.
# needs: migrate
# Sourced by scripts/demo (set -euo pipefail; stage, run_shown, fail, DEMO_WORK;
# TASK_DEFINITION, $GITHUB_ENV's values loaded).

stage "ecs-run-wait: a broken migration, its exit code 3 stopping the job"
pushd "$DEMO_WORK" >/dev/null || exit 1
# As a CI step runs it (bash -e): the failing command ends the step with its exit code.
set +e
run_shown <<'CMD'
bash -ec 'ecs-run-wait --cluster "$CLUSTER" --task-definition "$TASK_DEFINITION" \
  --network-from-service "$SERVICE" --poll 1s --log-grace 1s -- ./migrate migrations-broken
echo "not reached: the job stopped at the migration"'
CMD
rc=$?
set -e
expect_exit "$rc" 3 "the broken migration"
[ "$(schema)" = 2 ] || fail "the schema is at $(schema) after the broken migration, not 2"
if PGPASSWORD=$DB_PASSWORD psql -X -q -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" \
  -c 'SELECT total_cents FROM orders' >/dev/null 2>&1; then
  fail "the broken migration's column exists: it was not rolled back"
fi
echo "exit 3, psql's own, passed through; the step stopped; the schema still at 2, nothing half-applied (checked)"
verdict "exit 3 (psql: SQL error) passed through, job stopped, schema still 2"
popd >/dev/null || exit 1
