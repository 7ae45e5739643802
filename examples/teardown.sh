#!/usr/bin/env bash
# Tear an environment down: empty and delete its ECR repository, then terraform destroy.
#
#   scripts/teardown.sh [TERRAFORM_DIR]      (default: infra)
#
# terraform destroy alone fails on a repository that still holds images (unless it was applied
# with force_delete); ecr-purge empties it, multi-arch indexes included, and deletes it. Both
# steps can be re-run: a repository that is already gone is fine (--missing-ok), and terraform
# drops it from the state when it finds it gone. Needs terraform, jq, ecr-purge and AWS credentials
# (the environment's, as in teardown.yml); the region comes from the repository URL.
set -euo pipefail

dir=${1:-infra}

terraform -chdir="$dir" init -input=false >&2
# From the JSON form: `output -raw` of an output that is gone (after a destroy, or a partial
# one) exits 0 and prints a warning box on stdout, which would become the repository name.
repository=$(terraform -chdir="$dir" output -json | jq -r '.repository_url.value // empty')

if [ -n "$repository" ]; then
  ecr-purge --yes --delete-repository --missing-ok "$repository"
else
  echo "teardown: no repository_url in the state (already destroyed?): nothing to purge" >&2
fi

terraform -chdir="$dir" destroy -auto-approve -input=false
