# shellcheck shell=bash
# Teardown: the repository emptied and deleted by ecr-purge (ECR refuses to delete a
# repository that holds images, and so would Terraform's destroy), then terraform destroy.
# The service's task (the app) is stopped with the service, the task runner's rules dropped.
# needs: secrets
# Sourced by scripts/demo (set -euo pipefail; stage, run_shown, fail; TF_DIR, APP_PGID,
# $GITHUB_ENV's values loaded).

stage "teardown: ecr-purge --delete-repository, then terraform destroy"
run_shown <<'CMD'
ecr-purge --yes --delete-repository "$REPOSITORY_URL"
CMD
if aws ecr describe-repositories --repository-names "$PIPELINE_REPOSITORY" >/dev/null 2>&1; then
  fail "the repository still exists"
fi
run_shown <<'CMD'
terraform -chdir="$TF_DIR" destroy -auto-approve -no-color -var-file=demo.tfvars.json | tail -n 1
CMD
[ "$(terraform -chdir="$TF_DIR" output -json)" = "{}" ] || fail "the state still has outputs"
aws ecs delete-service --cluster "$CLUSTER" --service "$SERVICE" --force >/dev/null
if [ -n "${APP_PGID:-}" ]; then
  kill -TERM -- "-$APP_PGID" 2>/dev/null || true # the app: the service's task
fi
emulator_knob ext/reset '{}'
echo "repository deleted, state empty, service deleted (checked)"
verdict "repository purged and deleted, terraform destroy, service deleted"
# The tours after this run with the demo's environment, without the pipeline's.
unset GITHUB_ENV DB_PASSWORD DB_HOST DB_PORT DB_NAME DB_USER CLUSTER SERVICE REPOSITORY_URL \
  TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE TF_IN_AUTOMATION TF_INPUT TASK_DEFINITION
