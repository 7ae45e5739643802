# shellcheck shell=bash
# ecs-deploy: the new revision to the service, followed to its verdict. The emulator's rollout
# model moves the deployment along; it runs no service tasks, so once the deployment is
# complete the demo starts the app itself (demo/app/app.py, a local process) as the service's
# running task, with the environment the task definition gives it: the release's commit as
# APP_VERSION and the database endpoint and password from $GITHUB_ENV.
# needs: register
# Sourced by scripts/demo (set -euo pipefail; stage, run_shown, fail, wait_for, track_group,
# DEMO_WORK, DEMO_ROOT; TASK_DEFINITION, $GITHUB_ENV's values loaded).

stage "ecs-deploy: the new revision to the service, followed to its verdict"
pushd "$DEMO_WORK" >/dev/null || exit 1
run_shown deploy.arn <<'CMD'
ecs-deploy --cluster "$CLUSTER" --service "$SERVICE" --task-definition "$TASK_DEFINITION" \
  --rollback-on-failure --poll 1s --summary deploy.json
CMD
[ "$(cat deploy.arn)" = "$TASK_DEFINITION" ] || fail "ecs-deploy printed $(cat deploy.arn)"
[ "$(jq -r '.outcome + " " + .services[0].verdict' deploy.json)" = "deployed deployed" ] \
  || fail "unexpected summary: $(cat deploy.json)"
running=$(aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" \
  --query 'services[0].[taskDefinition, deployments[0].rolloutState]' --output text)
[ "$running" = "$TASK_DEFINITION	COMPLETED" ] || fail "the service is at: $running"
echo "deployed: the service runs ${TASK_DEFINITION##*/}, its deployment COMPLETED (checked)"

# The service's task, started by the demo (the emulator does not run service tasks).
echo "(the emulator runs no service tasks: the demo starts demo/app/app.py as the service's task)"
rm -f app.port
(cd "$DEMO_ROOT/demo/app" && APP_VERSION=$GIT_SHA exec setsid python3 app.py "$DEMO_WORK/app.port") \
  >app.log 2>&1 &
APP_PGID=$!
track_group "$APP_PGID"
wait_for 10 "the start of the app" test -s app.port
APP_URL=http://127.0.0.1:$(cat app.port)
echo "the app (version $GIT_SHA) listens on $APP_URL"
verdict "${TASK_DEFINITION##*/} deployed (COMPLETED); the app started as its task"
popd >/dev/null || exit 1
