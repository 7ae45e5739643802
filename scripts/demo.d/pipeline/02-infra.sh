# shellcheck shell=bash
# What the pipeline's Terraform would have created, made in the emulator by demo/infra.py
# (boto3, one process): the cluster, the ECR repository with the running release's image,
# the database password in Secrets Manager, the log group, the app's task definition (its
# DB_PASSWORD a secret) and the service running it. And the emulator's local task runner told
# to run the app's one-off tasks (RunTask of family api, container app) as local processes
# in demo/app: their command, the task's environment, the secret resolved from Secrets Manager.
# needs: postgres
# Sourced by scripts/demo (set -euo pipefail; stage, show, fail, DEMO_WORK, DEMO_ROOT, AWS_* set).

stage "infrastructure: the cluster, service, repository and secret, in the emulator"
pushd "$DEMO_WORK" >/dev/null || exit 1
echo "(what Terraform's AWS resources would be; created in the emulator, the values fed to Terraform below)"
run_shown infra.json <<'CMD'
python3 "$DEMO_ROOT/demo/infra.py" --pg-port "$PG_PORT" --password-file db.password \
  --app-dir "$DEMO_ROOT/demo/app"
CMD
jq . infra.json
# shellcheck disable=SC2034 # for the terraform stage
REPOSITORY_URI=$(jq -r .repository_url infra.json) \
  SUBNET_IDS=$(jq -r '.subnet_ids | join(",")' infra.json) \
  SECURITY_GROUP_ID=$(jq -r .security_group_id infra.json)

verdict "cluster $PIPELINE_CLUSTER, service $PIPELINE_SERVICE, repository, secret (emulator)"
popd >/dev/null || exit 1
