"""The emulator's ECS rollout model (ext_ecs_deploy.py) seen through boto3.

    .venv/bin/python emulator/tests/test_rollout.py      # plain asserts, no pytest needed
    .venv/bin/python -m pytest emulator/tests/test_rollout.py   # if pytest is installed

Starts the patched server the way the project's tests do (emulator/moto_server.py
--port-file, on a free loopback port, --exit-with-parent), resets it before every test, and
drives rollouts with a short `seconds` knob so the whole file runs in well under a minute.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = pathlib.Path(__file__).resolve().parents[2]
REGION = "us-east-2"
SECONDS = 1.0  # the rollout knob the tests use: a good rollout takes 1 s

_server = None


class Server:
    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()
        port_file = pathlib.Path(self.dir.name) / "port"
        self.log = open(pathlib.Path(self.dir.name) / "log", "w+")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "emulator/moto_server.py"), "-H", "127.0.0.1",
             "--exit-with-parent", "--port-file", str(port_file)],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while not port_file.exists():
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"the emulator exited before it listened:\n{self.log.read()}")
            assert time.time() < deadline, "the emulator did not listen within 60 s"
            time.sleep(0.05)
        self.endpoint = f"http://127.0.0.1:{int(port_file.read_text())}"
        cfg = Config(retries={"max_attempts": 1, "mode": "standard"})
        kw = dict(endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id="test",
                  aws_secret_access_key="test", config=cfg)
        self.ecs, self.ec2 = boto3.client("ecs", **kw), boto3.client("ec2", **kw)
        self.ecr = boto3.client("ecr", **kw)

    def post(self, path, body=None):
        req = urllib.request.Request(self.endpoint + path, data=json.dumps(body or {}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return r.status, r.read().decode()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def server():
    global _server
    if _server is None:
        _server = Server()
    s = _server
    s.post("/moto-api/reset")
    s.post("/moto-api/state-manager/unset-transition", {"model_name": "ecs::task"})
    s.post("/moto-api/ext/reset")
    s.post("/moto-api/ext/ecs/rollout", {"seconds": SECONDS})
    return s


def setup(s, cb=None, images=("web:1", "web:2")):
    """A cluster, one task definition revision per image, a FARGATE service on revision 1."""
    ecs = s.ecs
    ecs.create_cluster(clusterName="prod")
    arns = []
    for image in images:
        td = ecs.register_task_definition(
            family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": image, "memoryReservation": 128, "essential": True},
                                  {"name": "sidecar", "image": "envoy:1", "memoryReservation": 64, "essential": False}])
        arns.append(td["taskDefinition"]["taskDefinitionArn"])
    subnet = s.ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
    sg = s.ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    kw = {}
    if cb is not None:
        kw["deploymentConfiguration"] = {"deploymentCircuitBreaker": {"enable": cb[0], "rollback": cb[1]}}
    s.created = ecs.create_service(
        cluster="prod", serviceName="api", taskDefinition=arns[0], desiredCount=2, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}}, **kw)["service"]
    return arns


def early(t0, fraction):
    """Whether less than fraction x SECONDS has passed since t0: a state the model holds only
    that long is asserted only if the host answered that fast (a busy host may not)."""
    return time.time() - t0 < fraction * SECONDS


def service(s):
    return s.ecs.describe_services(cluster="prod", services=["api"])["services"][0]


def sd_of(s, arn=None):
    arn = arn or service(s)["currentServiceDeployment"]
    return s.ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]


def wait_sd(s, arn, done, timeout=20):
    deadline = time.time() + timeout
    while True:
        sd = sd_of(s, arn)
        if sd["status"] in done:
            return sd
        assert time.time() < deadline, f"service deployment still {sd['status']}: {sd}"
        time.sleep(0.1)


def messages(s):
    return [e["message"] for e in service(s)["events"]]


def stopped_tasks(s):
    arns = s.ecs.list_tasks(cluster="prod", serviceName="api", desiredStatus="STOPPED")["taskArns"]
    return s.ecs.describe_tasks(cluster="prod", tasks=arns)["tasks"] if arns else []


# --- the tests --------------------------------------------------------------------------------

def test_create_service_rolls_out_and_settles():
    s = server()
    arns = setup(s)
    svc = s.created  # the CreateService answer: the rollout as it starts
    assert svc["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": False, "rollback": False}
    [dep] = svc["deployments"]
    assert (dep["status"], dep["rolloutState"], dep["taskDefinition"]) == ("PRIMARY", "IN_PROGRESS", arns[0])
    assert dep["id"].startswith("ecs-svc/") and dep["pendingCount"] == 2
    assert svc["events"][0]["message"].startswith("(service api) has started 2 tasks: (task ")
    sd = wait_sd(s, svc["currentServiceDeployment"], {"SUCCESSFUL"})
    assert sd["sourceServiceRevisions"] == [] and sd["targetServiceRevision"]["runningTaskCount"] == 2
    svc = service(s)
    assert (svc["runningCount"], svc["pendingCount"]) == (2, 0)
    assert svc["deployments"][0]["rolloutState"] == "COMPLETED"
    assert messages(s)[:2] == ["(service api) has reached a steady state.",
                               f"(service api) (deployment {dep['id']}) deployment completed."]
    running = s.ecs.list_tasks(cluster="prod", serviceName="api", desiredStatus="RUNNING")["taskArns"]
    tasks = s.ecs.describe_tasks(cluster="prod", tasks=running)["tasks"]
    assert len(tasks) == 2
    assert all(t["lastStatus"] == "RUNNING" and t["group"] == "service:api" and t["startedBy"] == dep["id"]
               and "stopCode" not in t and [c["lastStatus"] for c in t["containers"]] == ["RUNNING"] * 2
               for t in tasks)


def test_good_update_reaches_completed_and_successful():
    s = server()
    arns = setup(s)
    first = service(s)
    wait_sd(s, first["currentServiceDeployment"], {"SUCCESSFUL"})
    old_dep = service(s)["deployments"][0]["id"]
    t0 = time.time()
    svc = s.ecs.update_service(cluster="prod", service="api", taskDefinition="web:2")["service"]
    assert svc["taskDefinition"] == arns[1]
    assert [(d["status"], d["taskDefinition"]) for d in svc["deployments"]] == [("PRIMARY", arns[1]), ("ACTIVE", arns[0])]
    new_dep = svc["deployments"][0]
    assert new_dep["rolloutState"] == "IN_PROGRESS"
    assert new_dep["rolloutStateReason"] == f"ECS deployment {new_dep['id']} in progress."
    arn = svc["currentServiceDeployment"]
    assert arn != first["currentServiceDeployment"] and ":service-deployment/prod/api/" in arn
    sd = sd_of(s, arn)
    [source] = sd["sourceServiceRevisions"]
    assert sd["deploymentCircuitBreaker"]["status"] == "DISABLED"
    if early(t0, 0.3):  # old tasks stop at 0.6 D
        assert sd["status"] == "IN_PROGRESS" and sd["lifecycleStage"] == "SCALE_UP"
        assert source["runningTaskCount"] == 2 and sd["targetServiceRevision"]["pendingTaskCount"] == 2
    sd = wait_sd(s, arn, {"SUCCESSFUL"})
    elapsed = time.time() - t0
    assert elapsed >= 0.8 * SECONDS, elapsed  # no upper bound: the host may be busy
    assert sd["lifecycleStage"] == "CLEAN_UP" and "finishedAt" in sd
    revs = s.ecs.describe_service_revisions(serviceRevisionArns=[source["arn"], sd["targetServiceRevision"]["arn"]])
    assert [r["taskDefinition"] for r in revs["serviceRevisions"]] == arns and revs["failures"] == []
    assert revs["serviceRevisions"][1]["containerImages"][0]["image"] == "web:2"
    assert revs["serviceRevisions"][1]["containerImages"][0]["imageDigest"].startswith("sha256:")
    svc = service(s)
    [dep] = svc["deployments"]
    assert (dep["id"], dep["rolloutState"], dep["runningCount"]) == (new_dep["id"], "COMPLETED", 2)
    msgs = messages(s)
    assert msgs[0] == "(service api) has reached a steady state."
    assert msgs[1] == f"(service api) (deployment {new_dep['id']}) deployment completed."
    assert any(m.startswith("(service api) has stopped 2 running tasks: (task ") for m in msgs)
    events = service(s)["events"]
    assert all(e["id"] and e["createdAt"] for e in events)
    assert [e["createdAt"] for e in events] == sorted((e["createdAt"] for e in events), reverse=True)
    old = [t for t in stopped_tasks(s) if t["startedBy"] == old_dep]
    assert len(old) == 2 and all(
        t["stopCode"] == "ServiceSchedulerInitiated"
        and t["stoppedReason"] == f"Scaling activity initiated by (deployment {new_dep['id']})" for t in old)
    listed = s.ecs.list_service_deployments(cluster="prod", service="api")["serviceDeployments"]
    assert [b["status"] for b in listed] == ["SUCCESSFUL", "SUCCESSFUL"]
    assert listed[0]["serviceDeploymentArn"] == arn
    assert listed[0]["targetServiceRevisionArn"] == sd["targetServiceRevision"]["arn"]
    only = s.ecs.list_service_deployments(cluster="prod", service="api", status=["IN_PROGRESS"])
    assert only["serviceDeployments"] == []
    # desiredCount alone scales; it starts no deployment
    svc = s.ecs.update_service(cluster="prod", service="api", desiredCount=3)["service"]
    assert svc["currentServiceDeployment"] == arn
    deadline = time.time() + 10
    while service(s)["runningCount"] != 3:
        assert time.time() < deadline
        time.sleep(0.1)


def test_pull_failure_with_circuit_breaker_rolls_back():
    s = server()
    s.post("/moto-api/ext/ecs/rollout", {"failures": [{"image": "web:2", "mode": "CannotPullContainerError"}]})
    arns = setup(s, cb=(True, True))
    wait_sd(s, service(s)["currentServiceDeployment"], {"SUCCESSFUL"})
    good_dep = service(s)["deployments"][0]["id"]
    svc = s.ecs.update_service(cluster="prod", service="api", taskDefinition=arns[1])["service"]
    arn, failing = svc["currentServiceDeployment"], svc["deployments"][0]["id"]
    sd = wait_sd(s, arn, {"ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED", "SUCCESSFUL"}, 30)
    assert sd["status"] == "ROLLBACK_SUCCESSFUL", sd
    assert sd["statusReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert sd["deploymentCircuitBreaker"] == {"status": "TRIGGERED", "failureCount": 4, "threshold": 3}
    assert sd["rollback"]["serviceRevisionArn"] == sd["sourceServiceRevisions"][0]["arn"]
    rev = s.ecs.describe_service_revisions(serviceRevisionArns=[sd["rollback"]["serviceRevisionArn"]])
    assert rev["serviceRevisions"][0]["taskDefinition"] == arns[0]
    svc = service(s)
    assert svc["taskDefinition"] == arns[0] and svc["runningCount"] == 2
    assert svc["deployments"][0]["taskDefinition"] == arns[0]
    assert svc["deployments"][0]["rolloutState"] == "COMPLETED"
    msgs = messages(s)
    assert f"(service api) (deployment {failing}) deployment failed: tasks failed to start." in msgs
    assert f"(service api) rolling back to deployment {good_dep}." in msgs
    assert msgs[0] == "(service api) has reached a steady state."
    failed = [t for t in stopped_tasks(s) if t["startedBy"] == failing]
    assert len(failed) == 4
    for t in failed:
        assert t["stopCode"] == "TaskFailedToStart" and t["lastStatus"] == "STOPPED"
        assert t["stoppedReason"].startswith("CannotPullContainerError: pull image manifest has been retried")
        assert "web:2" in t["stoppedReason"] and "startedAt" not in t and "stoppedAt" in t
        app = next(c for c in t["containers"] if c["name"] == "app")
        assert "exitCode" not in app and app["reason"] == t["stoppedReason"]
    deps = s.ecs.list_service_deployments(cluster="prod", service="api")["serviceDeployments"]
    assert [d["status"] for d in deps] == ["ROLLBACK_SUCCESSFUL", "SUCCESSFUL"]


def test_exit_code_failure_without_rollback_is_failed():
    s = server()
    s.post("/moto-api/ext/ecs/rollout", {"failures": [
        {"image": "web:2", "mode": "EssentialContainerExited", "exitCode": 3}]})
    arns = setup(s, cb=(True, False))
    wait_sd(s, service(s)["currentServiceDeployment"], {"SUCCESSFUL"})
    svc = s.ecs.update_service(cluster="prod", service="api", taskDefinition=arns[1])["service"]
    failing = svc["deployments"][0]["id"]
    sd = wait_sd(s, svc["currentServiceDeployment"], {"STOPPED", "SUCCESSFUL", "ROLLBACK_SUCCESSFUL"}, 30)
    assert sd["status"] == "STOPPED" and "stoppedAt" in sd and "rollback" not in sd
    assert sd["statusReason"] == "ECS deployment circuit breaker: tasks failed to start."
    svc = service(s)
    assert svc["taskDefinition"] == arns[1]
    primary, active = svc["deployments"]
    assert (primary["status"], primary["rolloutState"], primary["failedTasks"]) == ("PRIMARY", "FAILED", 4)
    assert primary["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert (active["status"], active["taskDefinition"], active["runningCount"]) == ("ACTIVE", arns[0], 2)
    failed = [t for t in stopped_tasks(s) if t["startedBy"] == failing]
    assert failed and all(t["stopCode"] == "EssentialContainerExited"
                          and t["stoppedReason"] == "Essential container in task exited"
                          and "startedAt" in t for t in failed)
    codes = {c["name"]: c.get("exitCode") for c in failed[0]["containers"]}
    assert codes == {"app": 3, "sidecar": 143}
    assert not any("rolling back" in m for m in messages(s))


def test_health_check_failure_without_breaker_stays_in_progress():
    s = server()
    s.post("/moto-api/ext/ecs/rollout", {"seconds": 0.5, "failures": [
        {"service": "other", "image": "web:2", "mode": "CannotPullContainerError"},  # not this service
        {"service": "a*", "family": "web", "image": "web:2", "mode": "HealthCheckFailed"}]})
    arns = setup(s)
    wait_sd(s, service(s)["currentServiceDeployment"], {"SUCCESSFUL"})
    svc = s.ecs.update_service(cluster="prod", service="api", taskDefinition=arns[1])["service"]
    time.sleep(2.5)
    sd = sd_of(s, svc["currentServiceDeployment"])
    assert sd["status"] == "IN_PROGRESS" and sd["deploymentCircuitBreaker"]["status"] == "DISABLED"
    assert service(s)["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    msgs = messages(s)
    assert any(m.endswith("failed container health checks.") for m in msgs)
    assert any("is unable to consistently start tasks successfully" in m for m in msgs)
    t = stopped_tasks(s)[0]
    assert (t["stopCode"], t["stoppedReason"], t["healthStatus"]) == (
        "ServiceSchedulerInitiated", "Task failed container health checks", "UNHEALTHY")


def test_stop_service_deployment_rollback():
    s = server()
    s.post("/moto-api/ext/ecs/rollout", {"seconds": 3})
    arns = setup(s)
    wait_sd(s, service(s)["currentServiceDeployment"], {"SUCCESSFUL"})
    svc = s.ecs.update_service(cluster="prod", service="api", taskDefinition=arns[1])["service"]
    arn = svc["currentServiceDeployment"]
    assert s.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")["serviceDeploymentArn"] == arn
    assert sd_of(s, arn)["status"] in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")  # the latter 0.1 D on
    sd = wait_sd(s, arn, {"ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"}, 30)
    assert sd["status"] == "ROLLBACK_SUCCESSFUL"
    assert sd["rollback"]["serviceRevisionArn"] == sd["sourceServiceRevisions"][0]["arn"]
    assert service(s)["taskDefinition"] == arns[0]
    try:
        s.ecs.stop_service_deployment(serviceDeploymentArn=arn)
        raise AssertionError("stopping a finished deployment must fail")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "ConflictException"
    try:
        s.ecs.stop_service_deployment(serviceDeploymentArn=arn + "x")
        raise AssertionError("an unknown deployment must fail")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "ServiceDeploymentNotFoundException"


def test_superseded_and_aborted_deployments():
    s = server()
    arns = setup(s)
    wait_sd(s, service(s)["currentServiceDeployment"], {"SUCCESSFUL"})
    t0 = time.time()
    first = s.ecs.update_service(cluster="prod", service="api", taskDefinition=arns[1])["service"]
    second = s.ecs.update_service(cluster="prod", service="api", taskDefinition=arns[0],
                                  forceNewDeployment=True)["service"]
    a, b = first["currentServiceDeployment"], second["currentServiceDeployment"]
    assert a != b
    if early(t0, 0.5):  # the first one would have cleaned up at 0.6 D and completed at D
        assert sd_of(s, a)["status"] == "STOPPED"
        assert sd_of(s, a)["statusReason"] == "Service deployment stopped: a newer service deployment started."
        assert [d["status"] for d in second["deployments"]] == ["PRIMARY", "ACTIVE", "ACTIVE"]
    assert wait_sd(s, b, {"SUCCESSFUL"})["status"] == "SUCCESSFUL"
    assert len(service(s)["deployments"]) == 1
    c = s.ecs.update_service(cluster="prod", service="api", taskDefinition=arns[1])["service"]["currentServiceDeployment"]
    s.ecs.stop_service_deployment(serviceDeploymentArn=c, stopType="ABORT")
    assert sd_of(s, c)["status"] in ("STOP_REQUESTED", "STOPPED")  # the latter 0.1 D on
    sd = wait_sd(s, c, {"STOPPED"})
    assert "stoppedAt" in sd and "rollback" not in sd
    svc = service(s)
    assert svc["deployments"][0]["rolloutState"] == "FAILED" and svc["pendingCount"] == 0
    assert svc["runningCount"] == 2 and svc["deployments"][1]["taskDefinition"] == arns[0]
    listed = s.ecs.list_service_deployments(cluster="prod", service="api", maxResults=2)
    assert [x["serviceDeploymentArn"] for x in listed["serviceDeployments"]] == [c, b]
    rest = s.ecs.list_service_deployments(cluster="prod", service="api", nextToken=listed["nextToken"])
    assert [x["status"] for x in rest["serviceDeployments"]] == ["STOPPED", "SUCCESSFUL"]
    assert "nextToken" not in rest


def test_zero_desired_completes_whatever_the_image():
    s = server()
    s.post("/moto-api/ext/ecs/rollout", {"failures": [{"image": "web:*", "mode": "CannotPullContainerError"}]})
    setup(s, cb=(True, True))
    s.ecs.update_service(cluster="prod", service="api", desiredCount=0)
    # the first rollout's next wave has no task to fail: it completes
    assert wait_sd(s, service(s)["currentServiceDeployment"], {"SUCCESSFUL"})["status"] == "SUCCESSFUL"
    svc = s.ecs.update_service(cluster="prod", service="api", taskDefinition="web:2")["service"]
    assert wait_sd(s, svc["currentServiceDeployment"], {"SUCCESSFUL"})["status"] == "SUCCESSFUL"
    assert service(s)["runningCount"] == 0


def test_awsvpc_service_without_network_needs_no_task():
    """moto's leniency the ecs-run-wait tests use: such a service with desiredCount 0."""
    s = server()
    arns = setup(s)
    svc = s.ecs.create_service(cluster="prod", serviceName="bare", taskDefinition=arns[0], desiredCount=0,
                               launchType="FARGATE")["service"]
    assert svc["status"] == "ACTIVE" and svc["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    for call in (lambda: s.ecs.update_service(cluster="prod", service="bare", desiredCount=1),
                 lambda: s.ecs.create_service(cluster="prod", serviceName="bare2", taskDefinition=arns[0],
                                              desiredCount=1, launchType="FARGATE")):
        try:
            call()
            raise AssertionError("a task without network configuration must be refused")
        except ClientError as e:
            assert e.response["Error"]["Code"] == "InvalidParameterException", e


def test_describe_missing_and_knob_errors():
    s = server()
    setup(s)
    out = s.ecs.describe_service_revisions(serviceRevisionArns=["arn:aws:ecs:us-east-2:123456789012:service-revision/prod/api/1"])
    assert out["serviceRevisions"] == [] and out["failures"][0]["reason"] == "MISSING"
    out = s.ecs.describe_service_deployments(serviceDeploymentArns=["nope"])
    assert out["failures"] == [{"arn": "nope", "reason": "MISSING"}]
    for bad in ({"seconds": -1}, {"failures": [{"image": "x", "mode": "Nope"}]}, {"speed": 1}):
        try:
            s.post("/moto-api/ext/ecs/rollout", bad)
            raise AssertionError(f"{bad} must be refused")
        except urllib.error.HTTPError as e:
            assert e.code == 400


def test_run_task_exit_codes_unchanged():
    """ext_ecs behaviour for one-off tasks is untouched by the service model."""
    s = server()
    arns = setup(s)
    s.post("/moto-api/ext/ecs/task-result", {"family": "web", "exitCode": 7, "reasons": {"app": "boom"}})
    s.post("/moto-api/state-manager/set-transition", {"model_name": "ecs::task", "transition": {"progression": "immediate"}})
    subnet = s.ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    sg = s.ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    task = s.ecs.run_task(cluster="prod", taskDefinition=arns[0], launchType="FARGATE",
                          networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}})["tasks"][0]
    t = s.ecs.describe_tasks(cluster="prod", tasks=[task["taskArn"]])["tasks"][0]
    assert (t["lastStatus"], t["desiredStatus"], t["stopCode"]) == ("STOPPED", "STOPPED", "EssentialContainerExited")
    assert {c["name"]: (c.get("exitCode"), c.get("reason")) for c in t["containers"]} == {"app": (7, "boom"), "sidecar": (7, None)}
    # the service's own tasks keep running whatever the state manager does
    wait_sd(s, service(s)["currentServiceDeployment"], {"SUCCESSFUL"})
    assert service(s)["runningCount"] == 2
    running = s.ecs.list_tasks(cluster="prod", serviceName="api", desiredStatus="RUNNING")["taskArns"]
    assert len(running) == 2
    stopped = s.ecs.stop_task(cluster="prod", task=running[0], reason="bye")["task"]
    assert (stopped["stopCode"], stopped["stoppedReason"], stopped["lastStatus"]) == ("UserInitiated", "bye", "STOPPED")
    assert {c.get("exitCode") for c in stopped["containers"]} == {143}


def test_slow_stop_task_does_not_hold_up_other_calls():
    """ext_ecs's stop-delay sleeps inside StopTask; the rollout model's lock must not be held."""
    import threading

    s = server()
    setup(s)
    wait_sd(s, service(s)["currentServiceDeployment"], {"SUCCESSFUL"})
    running = s.ecs.list_tasks(cluster="prod", serviceName="api")["taskArns"]
    s.post("/moto-api/ext/ecs/stop-delay", {"seconds": 2})
    stopper = threading.Thread(target=lambda: s.ecs.stop_task(cluster="prod", task=running[0], reason="slow"))
    stopper.start()
    time.sleep(0.3)
    start = time.time()
    s.ecs.list_tasks(cluster="prod")
    service(s)
    assert time.time() - start < 1, "ListTasks/DescribeServices waited for the slow StopTask"
    stopper.join()
    s.post("/moto-api/ext/ecs/stop-delay", {"seconds": 0})


def main():
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]
    failed = 0
    try:
        for name, fn in tests:
            start = time.time()
            try:
                fn()
                print(f"ok   {name} ({time.time() - start:.1f} s)")
            except Exception as e:  # report every test, then fail
                failed += 1
                print(f"FAIL {name}: {type(e).__name__}: {e}")
                import traceback

                traceback.print_exc()
    finally:
        if _server is not None:
            _server.stop()
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
