#!/usr/bin/env bash
# Tear an environment down: empty and delete its ECR repository, then terraform destroy.
#
#   scripts/teardown.sh [TERRAFORM_DIR]      (default: infra)
#
# terraform destroy alone fails on a repository that still holds images (unless it was applied
# with force_delete); ecr-purge empties it, multi-arch indexes included, and deletes it. Both
# steps can be re-run: a repository that is already gone is fine (--missing-ok), and terraform
# drops it from the state when it finds it gone. Needs terraform, ecr-purge and AWS credentials
# (the environment's, as in teardown.yml); the region comes from the repository URL.
set -euo pipefail

dir=${1:-infra}

terraform -chdir="$dir" init -input=false >&2
repository=$(terraform -chdir="$dir" output -raw repository_url)

ecr-purge --yes --delete-repository --missing-ok "$repository"

terraform -chdir="$dir" destroy -auto-approve -input=false
