"""What the demo pipeline's Terraform would create, created in the local AWS emulator.

    python3 demo/infra.py --pg-port PORT --password-file FILE --app-dir DIR

A real configuration creates these with the AWS provider; the demo makes them in the emulator
(AWS_ENDPOINT_URL) with boto3, in one process, and prints what Terraform's variables need as
JSON on stdout. Names: cluster demo, service api (FARGATE, awsvpc, the circuit breaker rolling
back), task definition family api (container app, the database endpoint in its environment,
DB_PASSWORD a secret from Secrets Manager, logs to CloudWatch Logs /ecs/api), ECR repository
api holding the running release's image 1.0.0 (a hand-made manifest: no Docker). And the
emulator's local task runner (emulator/ext_ecs_runner.py) told to run RunTask's api/app
containers as local processes in DIR, with DEMO_RUN_ID (the demo's marker of the processes it
started) and DEMO_PAUSE_MIGRATION (its interruption test's hook, demo/app/migrate) passed on
from this process's environment when set.
"""

import argparse
import hashlib
import json
import os
import sys
import time
import urllib.request

import boto3

CLUSTER, SERVICE, FAMILY, REPOSITORY, LOG_GROUP = "demo", "api", "api", "api", "/ecs/api"


def manifest(tag: str) -> str:
    """A distinct single-platform OCI image manifest for TAG."""
    digest = lambda what: hashlib.sha256(f"{what} {tag}".encode()).hexdigest()  # noqa: E731
    return json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": f"sha256:{digest('config')}", "size": 100},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": f"sha256:{digest('layer')}", "size": 1000}]}, separators=(",", ":"))


def knob(path: str, body: dict) -> None:
    request = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/moto-api/" + path,
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request).read()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg-port", required=True)
    ap.add_argument("--db-name", default="orders")
    ap.add_argument("--db-user", default="api")
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--app-dir", required=True)
    args = ap.parse_args()

    ecs, ecr, ec2 = boto3.client("ecs"), boto3.client("ecr"), boto3.client("ec2")
    logs, sm = boto3.client("logs"), boto3.client("secretsmanager")
    knob("ext/ecs/rollout", {"seconds": 1})  # a rollout takes a second here
    ecs.create_cluster(clusterName=CLUSTER)
    repo = ecr.create_repository(repositoryName=REPOSITORY)["repository"]["repositoryUri"]
    ecr.put_image(repositoryName=REPOSITORY, imageTag="1.0.0", imageManifest=manifest("1.0.0"))
    with open(args.password_file) as f:
        secret = sm.create_secret(Name=f"{SERVICE}/db-password", SecretString=f.read().strip())["ARN"]
    logs.create_log_group(logGroupName=LOG_GROUP)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(
        Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][:2]]
    sg = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    env = {"DB_HOST": "127.0.0.1", "DB_PORT": args.pg_port, "DB_NAME": args.db_name,
           "DB_USER": args.db_user, "APP_VERSION": "1.0.0"}
    ecs.register_task_definition(
        family=FAMILY, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
        memory="512", executionRoleArn="arn:aws:iam::123456789012:role/api-execution",
        containerDefinitions=[{
            "name": "app", "image": f"{repo}:1.0.0", "essential": True, "memoryReservation": 256,
            "command": ["python3", "app.py", "/tmp/app.port"],
            "portMappings": [{"containerPort": 8080}],
            "environment": [{"name": k, "value": v} for k, v in env.items()],
            "secrets": [{"name": "DB_PASSWORD", "valueFrom": secret}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": LOG_GROUP, "awslogs-region": ecs.meta.region_name,
                "awslogs-stream-prefix": "ecs"}}}])
    ecs.create_service(
        cluster=CLUSTER, serviceName=SERVICE, taskDefinition=FAMILY, desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg]}},
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}})
    deadline = time.monotonic() + 30
    while ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0][
            "deployments"][0].get("rolloutState") != "COMPLETED":
        if time.monotonic() > deadline:
            sys.exit("infra.py: the service's first rollout did not complete within 30s")
        time.sleep(0.2)

    # The runner: RunTask of the app's container runs its command (ecs-run-wait's override)
    # in the app's directory. DEMO_RUN_ID marks the processes as the demo's.
    rule_env = {k: os.environ[k] for k in ("DEMO_RUN_ID", "DEMO_PAUSE_MIGRATION") if os.environ.get(k)}
    knob("ext/ecs/runner", {"commands": [{"family": FAMILY, "container": "app", "cwd": args.app_dir,
                                          "env": rule_env, "stopTimeout": 2}]})
    json.dump({"cluster": CLUSTER, "service": SERVICE, "family": FAMILY, "repository_url": repo,
               "subnet_ids": subnets, "security_group_id": sg, "secret_arn": secret,
               "log_group": LOG_GROUP}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
