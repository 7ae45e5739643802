#!/usr/bin/env bash
# Tear an environment down: empty and delete its ECR repository, then terraform destroy.
#
#   scripts/teardown.sh [TERRAFORM_DIR]      (default: infra)
#
# terraform destroy alone fails on a repository that still holds images (unless it was applied
# with force_delete); ecr-purge empties it, multi-arch indexes included, and deletes it. Both
# steps can be re-run: a repository that is already gone is fine (--missing-ok), and terraform
# drops it from the state when it finds it gone. Only the repositories the state manages are
# purged. Needs terraform, jq, ecr-purge and AWS credentials
# (the environment's, as in teardown.yml); the region comes from the repository URL.
set -euo pipefail

dir=${1:-infra}

terraform -chdir="$dir" init -input=false >&2
# The repositories this state manages (resources, in any module), never one it only reads or
# is given as an output: a shared repository named by a data source or a variable is not
# this environment's to empty.
mapfile -t repositories < <(terraform -chdir="$dir" show -json | jq -r '
  [.values.root_module? | .. | objects
   | select(.mode? == "managed" and .type? == "aws_ecr_repository")
   | .values.repository_url] | .[]')

if ((${#repositories[@]} == 0)); then
  echo "teardown: the state manages no ECR repository (already destroyed?): nothing to purge" >&2
else
  ecr-purge --yes --delete-repository --missing-ok "${repositories[@]}"
fi

terraform -chdir="$dir" destroy -auto-approve -input=false
