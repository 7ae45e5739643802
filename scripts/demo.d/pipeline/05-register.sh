# shellcheck shell=bash
# The release's image pushed (a hand-made manifest: no Docker here), then the service's task
# definition with that image, cleaned by taskdef-clean and registered: the new revision.
# needs: secrets
# Sourced by scripts/demo (set -euo pipefail; stage, run_shown, fail, DEMO_WORK; $GITHUB_ENV's
# CLUSTER, SERVICE, REPOSITORY_URL loaded).

stage "taskdef-clean: describe | taskdef-clean --image | register, the new revision"
pushd "$DEMO_WORK" >/dev/null || exit 1
echo "pushed $REPOSITORY_URL:$GIT_SHA as $(push_image "$GIT_SHA") (the build of commit $GIT_SHA)"
run_shown registered.arn <<'CMD'
aws ecs describe-task-definition --task-definition "$PIPELINE_FAMILY" --include TAGS \
  | taskdef-clean --image app="$REPOSITORY_URL:$GIT_SHA" --env app:APP_VERSION="$GIT_SHA" > taskdef.json
aws ecs register-task-definition --cli-input-json file://taskdef.json \
  --query taskDefinition.taskDefinitionArn --output text
CMD
export TASK_DEFINITION; TASK_DEFINITION=$(cat registered.arn)
echo "$TASK_DEFINITION"
case $TASK_DEFINITION in
  arn:aws:ecs:*:task-definition/"$PIPELINE_FAMILY":2) ;;
  *) fail "registered $TASK_DEFINITION, not revision 2 of $PIPELINE_FAMILY" ;;
esac
new=$(aws ecs describe-task-definition --task-definition "$TASK_DEFINITION" \
  --query 'taskDefinition.containerDefinitions[0]')
[ "$(jq -r '.image' <<<"$new")" = "$REPOSITORY_URL:$GIT_SHA" ] || fail "the new revision's image is not $GIT_SHA"
[ "$(jq -r '.secrets[0].name, (.environment[] | select(.name == "APP_VERSION") | .value)' <<<"$new" | paste -sd ' ')" \
  = "DB_PASSWORD $GIT_SHA" ] || fail "the new revision lost its secret or APP_VERSION: $new"
echo "revision 2: image $GIT_SHA, APP_VERSION=$GIT_SHA, the secret DB_PASSWORD kept (checked)"
verdict "${TASK_DEFINITION##*/} registered, image $PIPELINE_REPOSITORY:$GIT_SHA"
popd >/dev/null || exit 1
