"""The emulator's local task runner (ext_ecs_runner.py) seen through boto3.

    .venv/bin/python emulator/tests/test_runner.py      # plain asserts, no pytest needed

Starts the patched server as test_rollout.py does (its Server class), resets it before every
test, and runs small Python commands (this interpreter) as the tasks' containers.
"""

import hashlib
import os
import pathlib
import sys
import time
import urllib.error
import urllib.request
import json

import boto3

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from test_rollout import Server  # noqa: E402

PY = sys.executable
os.environ["RUNNER_TEST_HOSTVAR"] = "leak"  # the emulator inherits it; the tasks must not
_server = None


def server():
    global _server
    if _server is None:
        _server = Server()
        kw = dict(endpoint_url=_server.endpoint, region_name="us-east-2", aws_access_key_id="test",
                  aws_secret_access_key="test", config=_server.ecs.meta.config)
        _server.logs = boto3.client("logs", **kw)
        _server.sm = boto3.client("secretsmanager", **kw)
        _server.ssm = boto3.client("ssm", **kw)
    s = _server
    s.post("/moto-api/reset")
    s.post("/moto-api/ext/reset")
    return s


def get(s, path):
    with urllib.request.urlopen(s.endpoint + path) as r:
        return json.loads(r.read())


def register(s, family, script=None, **container):
    """A FARGATE task definition whose container `app` runs `script` (Python) and logs to awslogs."""
    s.ecs.create_cluster(clusterName="ci")
    c = {"name": "app", "image": f"{family}:1", "memoryReservation": 64, "essential": True,
         "logConfiguration": {"logDriver": "awslogs", "options": {
             "awslogs-group": f"/ecs/{family}", "awslogs-region": "us-east-2",
             "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true"}}}
    if script is not None:
        c["command"] = [PY, "-c", script]
    c.update(container)
    s.ecs.register_task_definition(family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                   cpu="256", memory="512", containerDefinitions=[c])


def run(s, family, **kw):
    subnet = s.ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    sg = s.ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    return s.ecs.run_task(cluster="ci", taskDefinition=family, launchType="FARGATE", networkConfiguration={
        "awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}}, **kw)["tasks"][0]


def wait_stopped(s, arn, timeout=30):
    deadline = time.time() + timeout
    while True:
        t = s.ecs.describe_tasks(cluster="ci", tasks=[arn])["tasks"][0]
        if t["lastStatus"] == "STOPPED":
            return t
        assert time.time() < deadline, f"task still {t['lastStatus']}"
        time.sleep(0.05)


def lines(s, family, arn, container="app"):
    stream = f"ecs/{container}/{arn.split('/')[-1]}"
    events = s.logs.get_log_events(logGroupName=f"/ecs/{family}", logStreamName=stream, startFromHead=True)["events"]
    return [e["message"] for e in events], [e["timestamp"] for e in events]


def sha(value):
    return hashlib.sha256(value.encode()).hexdigest()


# --- the tests --------------------------------------------------------------------------------

def test_lines_in_order_exit_code_and_stopped():
    s = server()
    register(s, "job", "import sys\nfor i in range(5): print(f'line {i}', flush=True)\n"
                       "print('to stderr', file=sys.stderr)\nsys.exit(3)")
    s.post("/moto-api/ext/ecs/runner", {"commands": [{"family": "job", "container": "app"}]})
    started = time.time() * 1000
    task = run(s, "job")
    assert task["lastStatus"] == "RUNNING"
    t = wait_stopped(s, task["taskArn"])
    assert (t["stopCode"], t["stoppedReason"], t["desiredStatus"]) == (
        "EssentialContainerExited", "Essential container in task exited", "STOPPED")
    assert [(c["name"], c["exitCode"], c["lastStatus"]) for c in t["containers"]] == [("app", 3, "STOPPED")]
    messages, stamps = lines(s, "job", task["taskArn"])
    assert messages == [f"line {i}" for i in range(5)] + ["to stderr"], messages
    assert all(started - 1000 <= ts <= time.time() * 1000 for ts in stamps), stamps
    assert get(s, "/moto-api/ext/ecs/runner")["running"] == []


def test_environment_and_overrides_reach_the_process():
    s = server()
    register(s, "env", "import os\nfor k in ('FROM_TD','BOTH','FROM_RULE','ONLY_RULE','AWS_REGION'):"
                       " print(k, os.environ.get(k))\nprint('HOSTVAR', os.environ.get('RUNNER_TEST_HOSTVAR'))",
             environment=[{"name": "FROM_TD", "value": "td"}, {"name": "BOTH", "value": "td"},
                          {"name": "FROM_RULE", "value": "td"}])
    s.post("/moto-api/ext/ecs/runner", {"commands": [
        {"family": "env", "env": {"FROM_RULE": "rule", "ONLY_RULE": "rule"}}]})
    task = run(s, "env", overrides={"containerOverrides": [
        {"name": "app", "environment": [{"name": "BOTH", "value": "override"}]}]})
    assert wait_stopped(s, task["taskArn"])["containers"][0]["exitCode"] == 0
    assert lines(s, "env", task["taskArn"])[0] == [
        "FROM_TD td", "BOTH override", "FROM_RULE td", "ONLY_RULE rule", "AWS_REGION us-east-2", "HOSTVAR None"]
    # a command override replaces the container's command
    task = run(s, "env", overrides={"containerOverrides": [
        {"name": "app", "command": [PY, "-c", "print('overridden'); raise SystemExit(4)"]}]})
    assert wait_stopped(s, task["taskArn"])["containers"][0]["exitCode"] == 4
    assert lines(s, "env", task["taskArn"])[0] == ["overridden"]


def test_secrets_from_secrets_manager_and_ssm():
    s = server()
    password, token, plain = "pw-Zq81x7", "tok-K3v9", "plain-secret-77"
    arn = s.sm.create_secret(Name="db", SecretString=json.dumps({"password": password, "user": "app"}))["ARN"]
    s.sm.create_secret(Name="plain", SecretString=plain)
    s.ssm.put_parameter(Name="/app/token", Value=token, Type="SecureString")
    script = ("import hashlib, os\nfor k in ('PASSWORD', 'TOKEN', 'PLAIN', 'TOKEN_ARN'):"
              " print(k, hashlib.sha256(os.environ[k].encode()).hexdigest())")
    register(s, "sec", script, secrets=[
        {"name": "PASSWORD", "valueFrom": f"{arn}:password::"},
        {"name": "TOKEN", "valueFrom": "/app/token"},
        {"name": "PLAIN", "valueFrom": "plain"},
        {"name": "TOKEN_ARN", "valueFrom": "arn:aws:ssm:us-east-2:123456789012:parameter/app/token"}])
    s.post("/moto-api/ext/ecs/runner", {"commands": [{"family": "sec"}]})
    task = run(s, "sec")
    assert wait_stopped(s, task["taskArn"])["containers"][0]["exitCode"] == 0
    assert lines(s, "sec", task["taskArn"])[0] == [
        f"PASSWORD {sha(password)}", f"TOKEN {sha(token)}", f"PLAIN {sha(plain)}", f"TOKEN_ARN {sha(token)}"]
    # a secret that is not there: the task fails to start, as on ECS
    register(s, "sec", "print('never')", secrets=[{"name": "X", "valueFrom": f"{arn[:-7]}-nope:password::"}])
    t = wait_stopped(s, run(s, "sec")["taskArn"])
    assert t["stopCode"] == "TaskFailedToStart" and "unable to pull secrets" in t["stoppedReason"], t
    assert t["containers"][0].get("exitCode") is None
    s.log.flush()
    log = pathlib.Path(s.log.name).read_text()
    for value in (password, token, plain):
        assert value not in log, "a secret value is in the emulator's output"


def test_stop_task_kills_the_process():
    s = server()
    register(s, "sleeper", "import time\nprint('ready', flush=True)\ntime.sleep(60)")
    s.post("/moto-api/ext/ecs/runner", {"commands": [{"container": "app", "image": "sleeper:*"}]})
    task = run(s, "sleeper")
    deadline = time.time() + 20
    while lines(s, "sleeper", task["taskArn"])[0] != ["ready"]:
        assert time.time() < deadline, "the process did not start"
        time.sleep(0.05)
    [proc] = get(s, "/moto-api/ext/ecs/runner")["running"]
    assert proc["taskArn"] == task["taskArn"] and proc["container"] == "app"
    stopped = s.ecs.stop_task(cluster="ci", task=task["taskArn"], reason="cancelled by CI")["task"]
    assert (stopped["lastStatus"], stopped["desiredStatus"]) == ("RUNNING", "STOPPED")
    t = wait_stopped(s, task["taskArn"])
    assert (t["stopCode"], t["stoppedReason"]) == ("UserInitiated", "cancelled by CI")
    assert t["containers"][0]["exitCode"] == 143  # killed by SIGTERM
    try:
        os.kill(proc["pid"], 0)
        raise AssertionError("the process is still there")
    except ProcessLookupError:
        pass


def test_stop_timeout_then_sigkill_and_missing_log_group():
    s = server()
    register(s, "stubborn", "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                            "print('ready', flush=True)\ntime.sleep(60)")
    s.post("/moto-api/ext/ecs/runner", {"commands": [{"family": "stubborn", "stopTimeout": 0.5}]})
    task = run(s, "stubborn")
    deadline = time.time() + 20
    while lines(s, "stubborn", task["taskArn"])[0] != ["ready"]:
        assert time.time() < deadline, "the process did not start"
        time.sleep(0.05)
    s.ecs.stop_task(cluster="ci", task=task["taskArn"])
    assert wait_stopped(s, task["taskArn"])["containers"][0]["exitCode"] == 137  # SIGKILL
    # without awslogs-create-group a missing group fails the task, as on ECS
    register(s, "nogroup", "print('x')", logConfiguration={"logDriver": "awslogs", "options": {
        "awslogs-group": "/ecs/none", "awslogs-region": "us-east-2", "awslogs-stream-prefix": "ecs"}})
    s.post("/moto-api/ext/ecs/runner", {"commands": [{"family": "nogroup"}]})
    t = wait_stopped(s, run(s, "nogroup")["taskArn"])
    assert t["stopCode"] == "TaskFailedToStart" and "log group does not exist" in t["stoppedReason"], t
    # a command that does not exist on this machine: the task fails to start
    register(s, "nocmd", command=["/nonexistent/migrate"])
    s.post("/moto-api/ext/ecs/runner", {"commands": [{"family": "nocmd"}]})
    t = wait_stopped(s, run(s, "nocmd")["taskArn"])
    assert (t["stopCode"], t["lastStatus"]) == ("TaskFailedToStart", "STOPPED"), t
    assert "/nonexistent/migrate" in t["containers"][0]["reason"], t


def test_only_matched_containers_run():
    """Two containers, the runner runs one: its exit stops the task, the other shows 0."""
    s = server()
    register(s, "pair", "print('app ran'); raise SystemExit(2)")
    td = s.ecs.describe_task_definition(taskDefinition="pair")["taskDefinition"]
    sidecar = dict(td["containerDefinitions"][0], name="sidecar", essential=False, command=["/nonexistent"])
    s.ecs.register_task_definition(family="pair", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                   cpu="256", memory="512", containerDefinitions=[td["containerDefinitions"][0], sidecar])
    s.post("/moto-api/ext/ecs/runner", {"commands": [{"family": "pair", "container": "app"}]})
    task = run(s, "pair")
    t = wait_stopped(s, task["taskArn"])
    assert {c["name"]: c["exitCode"] for c in t["containers"]} == {"app": 2, "sidecar": 0}
    assert lines(s, "pair", task["taskArn"])[0] == ["app ran"]


def test_unmatched_task_behaves_as_before_and_knob_errors():
    s = server()
    register(s, "other", "raise SystemExit(9)")
    s.post("/moto-api/ext/ecs/runner", {"commands": [{"family": "job"}]})
    s.post("/moto-api/ext/ecs/task-result", {"family": "other", "exitCode": 7})
    task = run(s, "other")
    t = wait_stopped(s, task["taskArn"])  # moto's state manager moves it, one step per describe
    assert (t["stopCode"], t["containers"][0]["exitCode"]) == ("EssentialContainerExited", 7)
    assert s.logs.describe_log_groups()["logGroups"] == []  # nothing ran
    assert get(s, "/moto-api/ext/ecs/runner")["commands"] == [{"family": "job"}]
    for bad in ({"commands": [{"command": ["x"]}]}, {"commands": [{"family": "a", "env": {"A": 1}}]},
                {"commands": [{"family": "a", "command": []}]}, {"rules": []}):
        try:
            s.post("/moto-api/ext/ecs/runner", bad)
            raise AssertionError(f"{bad} must be refused")
        except urllib.error.HTTPError as e:
            assert e.code == 400
    s.post("/moto-api/ext/reset")
    assert get(s, "/moto-api/ext/ecs/runner")["commands"] == []


def _own_emulator(tmp, via_wrapper):
    """An emulator of this test's own (started through a wrapper process when asked), with a task
    running `sh -c` that starts a background sleep; answers (process to kill, the shell's and
    the background sleep's pids, the endpoint)."""
    import subprocess
    import tempfile

    port_file = pathlib.Path(tempfile.mkdtemp(dir=tmp)) / "port"
    cmd = [PY, str(pathlib.Path(__file__).resolve().parents[1] / "moto_server.py"), "--port-file", str(port_file)]
    if via_wrapper:
        cmd = [PY, "-c", "import subprocess, sys; subprocess.Popen(sys.argv[1:]).wait()", *cmd, "--exit-with-parent"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not port_file.exists():
        assert proc.poll() is None and time.time() < deadline, "the emulator did not start"
        time.sleep(0.05)
    s = Server.__new__(Server)
    s.endpoint = f"http://127.0.0.1:{int(port_file.read_text())}"
    kw = dict(endpoint_url=s.endpoint, region_name="us-east-2", aws_access_key_id="test",
              aws_secret_access_key="test", config=_server.ecs.meta.config)
    s.ecs, s.ec2, s.logs = (boto3.client(n, **kw) for n in ("ecs", "ec2", "logs"))
    register(s, "bg", command=["echo $$; sleep 60 & echo $!; wait"])
    s.post("/moto-api/ext/ecs/runner", {"commands": [{"family": "bg", "command": "echo $$; sleep 60 & echo $!; wait"}]})
    task = run(s, "bg")
    while len(lines(s, "bg", task["taskArn"])[0]) < 2:
        assert time.time() < deadline, "the process did not start"
        time.sleep(0.05)
    return proc, [int(x) for x in lines(s, "bg", task["taskArn"])[0]], s.endpoint


def _gone(pids, timeout=10):
    deadline = time.time() + timeout
    while True:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return True
        if time.time() > deadline:
            return False
        time.sleep(0.05)


def test_processes_die_with_the_emulator():
    import signal
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    server()  # for its client configuration
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(3) as pool:
        # three emulators side by side (each takes seconds to start)
        (wrapper, pids1, endpoint), (term, pids2, _), (killed, pids3, _) = pool.map(
            lambda wrapped: _own_emulator(tmp, wrapped), (True, False, False))
        # --exit-with-parent: the wrapper is killed, the emulator stops its processes (all of
        # the group: the shell and its background sleep)
        wrapper.kill()
        # SIGTERM: the same through atexit
        term.terminate()
        # SIGKILL: the kernel kills the direct child (the shell); its own children may stay
        killed.kill()
        for p in (wrapper, term, killed):
            p.wait(20)
        assert _gone(pids1), f"left behind after --exit-with-parent: {pids1}"
        deadline = time.time() + 20
        while True:  # and the emulator itself is gone
            try:
                urllib.request.urlopen(endpoint + "/moto-api/data.json", timeout=1).close()
            except (urllib.error.URLError, ConnectionError):
                break
            assert time.time() < deadline, "the emulator outlived its parent"
            time.sleep(0.1)
        assert _gone(pids2), f"left behind after SIGTERM: {pids2}"
        assert _gone(pids3[:1]), f"the shell outlived a killed emulator: {pids3[0]}"
        _gone(pids3[1:], 0) or os.kill(pids3[1], signal.SIGKILL)

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
