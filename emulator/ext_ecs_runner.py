"""A local task runner: RunTask starts a real local process for the containers it is told to run.

Stock moto (and ext_ecs.py) runs nothing: a task's state comes from moto's state manager and
its exit codes from the task-result knob. For a task whose container matches a rule of the knob
below, this module runs that container's command on this machine instead, as a child of the
emulator, and the task follows the process:

- the task is RUNNING while the process runs; stdout and stderr go, line by line and each line
  with the time it was read, into the container's awslogs stream in the emulator's CloudWatch
  Logs: group awslogs-group (region awslogs-region, default the task's), stream
  `awslogs-stream-prefix/CONTAINER/TASK_ID` as ECS names it (`CONTAINER/TASK_ID` without a
  prefix). With awslogs-create-group "true" a missing group is created; without it a missing
  group fails the task as on ECS (TaskFailedToStart, "ResourceInitializationError: failed to
  validate logger args: ... The specified log group does not exist."). A container without the
  awslogs driver: its output is discarded.
- the process's environment is the container's `environment`, then RunTask's containerOverrides
  `environment` (by name, overrides win), then its `secrets`, each resolved from the emulator's
  own Secrets Manager (valueFrom a secret ARN or name, with the
  `ARN:json-key:version-stage:version-id` form: a JSON key of the secret string, a staging label,
  a version id, each may be empty) or SSM Parameter Store (a parameter ARN or name, SecureString
  decrypted). A name without ":" is looked up in SSM first, then in Secrets Manager. A secret
  that cannot be resolved fails the task (TaskFailedToStart, "ResourceInitializationError: unable
  to pull secrets or registry auth: ..."). Under all of these: AWS_REGION and AWS_DEFAULT_REGION
  (the task's region, as Fargate sets them), the rule's `env` (what an image's ENV would give),
  and PATH, HOME, LANG, LC_ALL, TZ, TMPDIR and USER from the emulator's environment. Nothing else
  of the emulator's environment is passed on. Secret values go into the process's environment
  only: the emulator does not log them and DescribeTasks does not show them.
- the command: the rule's `command` when given (an argv list, run without a shell; a string is
  run by /bin/sh -c), else the container's entryPoint followed by RunTask's command override or
  the container's command. No command at all, or one that does not exist on this machine, fails
  the task (TaskFailedToStart, "CannotStartContainerError: ...").
- when the process of an essential container exits, the runner's other processes of the task are
  stopped (below) and the task STOPS: stopCode EssentialContainerExited, stoppedReason "Essential
  container in task exited", each container it ran with its real exit code (128+N when killed by
  signal N, as Docker reports it), every container it did not run with exit code 0. Its log lines
  are all in CloudWatch Logs before the task shows STOPPED. A non-essential container's exit
  does not stop the task.
- StopTask answers at once (lastStatus RUNNING, desiredStatus STOPPED, as ECS does); the
  processes get SIGTERM (their whole process group), SIGKILL after the container's stopTimeout
  (default here 5 s; ECS's is 30 s), and the task then STOPS with stopCode UserInitiated, the
  caller's reason and the real exit codes (usually 143, or 137 after SIGKILL).

The knob (per emulator; rules are read when RunTask creates the task):

    POST /moto-api/ext/ecs/runner        # GET answers the settings and the running processes
    {"commands": [                       # replaces the list; per container the first rule
      {"family": "migrate*",             #   that matches wins; fnmatch patterns on the task
       "container": "app",               #   definition family, the container name and its
       "image": "*:v2",                  #   image (at least one; all given must match)
       "command": ["psql", "-f", "m.sql"] | "psql -f m.sql | tee x" | null,   # null: the
                                         #   container's command (see above); default null
       "cwd": "/tmp/app",                # working directory (default: the emulator's)
       "env": {"PGHOST": "127.0.0.1"},   # the "image's" environment (the task's wins)
       "stopTimeout": 2}]}               # seconds from SIGTERM to SIGKILL (default: the
                                         #   container's stopTimeout, else 5)

    POST /moto-api/ext/reset             # forget the rules and kill every running process
                                         #   (moto's own /moto-api/reset kills none)

Tasks that match no rule behave exactly as without this module (ext_ecs.py's knobs apply);
ext_ecs's task-result knob does not apply to a task the runner runs (its exit codes are real).

How this differs from ECS:
- No image, no isolation: the command runs on this machine as the emulator's user, in the
  emulator's network namespace (the host's network: 127.0.0.1 is this machine, not the task),
  with the host's file system; the command must exist here. No cpu/memory limits, no health
  checks, no volumes, no environmentFiles, no user, no ulimits, no dependsOn ordering, no task
  metadata endpoint and no task role credentials; secrets need no executionRoleArn here.
- Only RunTask's tasks: the rollout model's service tasks (ext_ecs_deploy.py) are not run.
- The task is RUNNING from RunTask's answer on (no PROVISIONING/PENDING), and goes straight
  from RUNNING to STOPPED when its processes are gone.
- Lines are cut at newlines only (ECS also cuts at 16 KiB). stdout and stderr share one pipe,
  so their lines keep the order the process wrote them in (ECS reads two pipes, and lines
  written close together may swap).
- The processes are children of the emulator: each in its own process group (SIGTERM/SIGKILL go
  to the group), killed when the emulator exits (normally, on SIGTERM/SIGINT, or by
  --exit-with-parent) and, on Linux, sent SIGKILL by the kernel if the emulator dies abruptly
  (only the direct child then: a shell's own children may outlive it).
The patch is written against moto 5.2.5's internals and install() refuses anything else.
"""

import atexit
import fnmatch
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import ext_ecs
import ecs_rollout

EXPECTED_MOTO = "5.2.5"
RUNNER_PATH = "{0}/moto-api/ext/ecs/runner$"
DEFAULT_STOP_TIMEOUT = 5.0
PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER")
RULE_KEYS = {"family", "container", "image", "command", "cwd", "env", "stopTimeout"}
FAILED_TO_START = "TaskFailedToStart"

_lock = ecs_rollout._lock  # the ECS model's lock: task state changes happen under it
_rules: list = []
_runs: dict = {}  # task ARN -> Run, while any of its processes lives


class StartFailure(Exception):
    """The task cannot start: stoppedReason, and the container's reason."""

    def __init__(self, reason, container=None, container_reason=None):
        super().__init__(reason)
        self.reason, self.container, self.container_reason = reason, container, container_reason


# --- the knob ---------------------------------------------------------------------------------

def _validate(data) -> list:
    unknown = set(data) - {"commands"}
    if unknown or not isinstance(data.get("commands"), list):
        raise ValueError('expected {"commands": [rules]}')
    rules = []
    for rule in data["commands"]:
        if not isinstance(rule, dict) or set(rule) - RULE_KEYS:
            raise ValueError(f"a rule is an object with keys from {sorted(RULE_KEYS)}")
        if not {"family", "container", "image"} & set(rule):
            raise ValueError('a rule needs "family", "container" or "image" (patterns)')
        for key in ("family", "container", "image", "cwd"):
            if key in rule and not isinstance(rule[key], str):
                raise ValueError(f'"{key}" must be a string')
        cmd = rule.get("command")
        if not (cmd is None or isinstance(cmd, str)
                or (isinstance(cmd, list) and cmd and all(isinstance(a, str) for a in cmd))):
            raise ValueError('"command" must be a non-empty list of strings, a string or null')
        env = rule.get("env", {})
        if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
            raise ValueError('"env" must be an object of strings')
        st = rule.get("stopTimeout")
        if st is not None and (isinstance(st, bool) or not isinstance(st, (int, float)) or not 0 <= st <= 120):
            raise ValueError('"stopTimeout" must be a number from 0 to 120')
        rules.append(dict(rule))
    return rules


def runner_config(request, full_url, headers):
    """GET/POST /moto-api/ext/ecs/runner (see the module docstring)."""
    if request.method == "GET":
        with _lock:
            running = [{"taskArn": arn, "container": p.name, "pid": p.popen.pid}
                       for arn, run in _runs.items() for p in run.procs if p.code is None]
            return 200, {}, json.dumps({"commands": _rules, "running": running})
    if request.method != "POST":
        return 405, {}, json.dumps({"Error": "GET or POST the runner settings"})
    try:
        rules = _validate(ext_ecs._body(request))
    except ValueError as e:
        return 400, {}, json.dumps({"Error": str(e)})
    with _lock:
        _rules[:] = rules
    return 200, {}, json.dumps({"status": "ok"})


def _match(family, definition):
    for rule in _rules:
        if all(fnmatch.fnmatchcase(value or "", rule[key]) for key, value in
               (("family", family), ("container", definition.get("name")), ("image", definition.get("image")))
               if key in rule):
            return dict(rule)
    return None


# --- processes: spawned by one long-lived thread (the kernel's parent-death signal follows the
# thread that forked, and request threads come and go) ------------------------------------------

_spawn_queue: queue.Queue = queue.Queue()


def _spawner():
    while True:
        kwargs, box, done = _spawn_queue.get()
        try:
            box["popen"] = subprocess.Popen(**kwargs)
        except Exception as e:  # handed to the caller
            box["error"] = e
        done.set()


def _spawn(**kwargs):
    box, done = {}, threading.Event()
    _spawn_queue.put((kwargs, box, done))
    done.wait()
    if "error" in box:
        raise box["error"]
    return box["popen"]


def _preexec_for(parent):
    """In the child: SIGKILL when the emulator dies (Linux), and not if it already did."""
    prctl = None
    if sys.platform.startswith("linux"):
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl

    def preexec():
        if prctl is not None:
            prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:
            os._exit(137)

    return preexec


def _killpg(pid, sig):
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Proc:
    def __init__(self, name, essential, popen, log):
        self.name, self.essential, self.popen, self.log = name, essential, popen, log
        self.code = None
        self.readers = []


class Run:
    """The processes of one task, and the task's end."""

    def __init__(self, task, matched):
        self.task, self.matched, self.plans, self.procs = task, matched, [], []
        self.stop_timeout = DEFAULT_STOP_TIMEOUT
        self.stopping = False  # SIGTERM sent (StopTask, or an essential container exited)
        self.done = False  # the task is STOPPED

    def start(self):
        for plan in self.plans:
            popen = _spawn(args=plan["argv"], cwd=plan["cwd"], env=plan["env"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, close_fds=True,
                           start_new_session=True, preexec_fn=_preexec_for(os.getpid()))
            proc = Proc(plan["name"], plan["essential"], popen, plan["log"])
            self.procs.append(proc)
        _runs[self.task.task_arn] = self
        for proc in self.procs:
            t = threading.Thread(target=_forward, args=(proc.popen.stdout, proc.log), daemon=True)
            t.start()
            proc.readers.append(t)
            threading.Thread(target=self._wait, args=(proc,), daemon=True).start()

    def _wait(self, proc):
        rc = proc.popen.wait()
        _killpg(proc.popen.pid, signal.SIGKILL)  # the container's other processes go with it
        for t in proc.readers:
            t.join()
        with _lock:
            proc.code = rc if rc >= 0 else 128 - rc
            if proc.essential and not self.stopping:
                self.stop()
            if all(p.code is not None for p in self.procs) and (self.stopping or self.task._ext_stopped_by_user):
                self._finish()

    def stop(self):
        """SIGTERM every live process group, SIGKILL after the stop timeout (under _lock)."""
        self.stopping = True
        live = [p for p in self.procs if p.code is None]
        if not live:
            self._finish()
            return
        for p in live:
            _killpg(p.popen.pid, signal.SIGTERM)

        def kill_later():
            deadline = time.time() + self.stop_timeout
            for p in live:
                try:
                    p.popen.wait(max(0.0, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    _killpg(p.popen.pid, signal.SIGKILL)

        threading.Thread(target=kill_later, daemon=True).start()

    def _finish(self):
        if self.done:
            return
        task = self.task
        codes = {c.name: 0 for c in task.containers}
        codes.update({p.name: p.code for p in self.procs})
        if task._ext_stopped_by_user is not None:
            result = {"stopCode": "UserInitiated", "stoppedReason": task._ext_stopped_by_user}
        else:
            result = {"stopCode": "EssentialContainerExited",
                      "stoppedReason": "Essential container in task exited"}
        task._ext_result = dict(result, exitCodes=codes)
        self.done = True
        task._status = ext_ecs.STOPPED
        ext_ecs._settle(task)
        _runs.pop(task.task_arn, None)

    def kill(self):
        for p in self.procs:
            if p.code is None:
                _killpg(p.popen.pid, signal.SIGKILL)


def _forward(pipe, log):
    """Each line of pipe (stdout and stderr) -> one log event (timestamp: when it was read)."""
    with pipe:
        for raw in iter(pipe.readline, b""):
            if log is None:
                continue
            message = raw.decode("utf-8", "replace").rstrip("\n").rstrip("\r")
            event = {"timestamp": int(time.time() * 1000), "message": message}
            try:
                log["backend"]().put_log_events(log["group"], log["stream"], [event])
            except Exception:  # the group went away (a reset): the line is lost, as it would be
                pass


# --- what a task runs: command, environment, secrets, log stream ------------------------------

def _pairs(items):
    return {e["name"]: e.get("value", "") for e in items or [] if "name" in e}


def _resolve_secret(account, region, value_from):
    """A secret's value from the emulator's Secrets Manager or SSM Parameter Store."""
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.ssm.models import ssm_backends

    service = "secretsmanager"
    if value_from.startswith("arn:"):
        parts = value_from.split(":")
        if len(parts) < 6:
            raise KeyError(value_from)
        service, region, account = parts[2], parts[3] or region, parts[4] or account
        if service == "secretsmanager":
            secret_id, extra = ":".join(parts[:7]), parts[7:]
        elif service != "ssm":
            raise KeyError(value_from)
    elif ":" in value_from:
        secret_id, *extra = value_from.split(":")
    else:
        param = ssm_backends[account][region].get_parameter(value_from)
        if param is not None:
            return param.decrypt(param.value)
        secret_id, extra = value_from, []
    if service == "ssm":
        param = ssm_backends[account][region].get_parameter(value_from)
        if param is None:
            raise KeyError(value_from)
        return param.decrypt(param.value)
    key, stage, version = (extra + ["", "", ""])[:3]
    answer = secretsmanager_backends[account][region].get_secret_value(secret_id, version or None, stage or None)
    value = answer.get("SecretString")
    if value is None:
        raise KeyError(value_from)
    if key:
        doc = json.loads(value)
        if not isinstance(doc, dict) or key not in doc:
            raise KeyError(value_from)
        value = doc[key] if isinstance(doc[key], str) else json.dumps(doc[key])
    return value


def _secret_failure(value_from, error):
    kind = "ssm" if value_from.startswith("arn:aws:ssm:") or (":" not in value_from and "/" in value_from) else "asm"
    what = type(error).__name__ if not isinstance(error, KeyError) else "ResourceNotFoundException"
    return StartFailure(
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
        f"retrieval failed: unable to retrieve secret from {kind}: service call has been retried 1 "
        f"time(s): failed to fetch secret {value_from}: {what}")


def _log_target(task, definition):
    from moto.logs.models import logs_backends
    from moto.logs.exceptions import ResourceAlreadyExistsException

    config = definition.get("logConfiguration") or {}
    if config.get("logDriver") != "awslogs":
        return None
    opts = config.get("options") or {}
    group = opts.get("awslogs-group")
    if not group:
        raise StartFailure("ResourceInitializationError: failed to validate logger args: "
                           "awslogs-group is required")
    region = opts.get("awslogs-region") or task.region_name
    account = task._account_id
    prefix = opts.get("awslogs-stream-prefix")
    name = definition.get("name")
    stream = f"{prefix}/{name}/{task.id}" if prefix else f"{name}/{task.id}"
    backend = logs_backends[account][region]
    if group not in backend.groups:
        if str(opts.get("awslogs-create-group", "")).lower() != "true":
            raise StartFailure(
                "ResourceInitializationError: failed to validate logger args: create stream has been "
                "retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: "
                "The specified log group does not exist. : exit status 1")
        backend.create_log_group(group, {})
    try:
        backend.create_log_stream(group, stream)
    except ResourceAlreadyExistsException:
        pass
    return {"backend": lambda: logs_backends[account][region], "group": group, "stream": stream}


def _plan(task, definition, rule):
    """What to run for one container (raises StartFailure)."""
    name = definition.get("name")
    overrides = {o.get("name"): o for o in (task.overrides or {}).get("containerOverrides") or []}
    override = overrides.get(name) or {}
    command = rule.get("command")
    if isinstance(command, str):
        argv = ["/bin/sh", "-c", command]
    elif command:
        argv = list(command)
    else:
        argv = list(definition.get("entryPoint") or []) + list(override.get("command") or definition.get("command") or [])
    if not argv:
        raise StartFailure("CannotStartContainerError: no command to run (the runner has no image: give the "
                           "container a command, or the runner rule one)", name,
                           "CannotStartContainerError: no command specified")
    env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
    env.update(AWS_REGION=task.region_name, AWS_DEFAULT_REGION=task.region_name)
    env.update(rule.get("env") or {})
    env.update(_pairs(definition.get("environment")))
    env.update(_pairs(override.get("environment")))
    for secret in definition.get("secrets") or []:
        value_from = secret.get("valueFrom", "")
        try:
            env[secret["name"]] = _resolve_secret(task._account_id, task.region_name, value_from)
        except Exception as e:
            raise _secret_failure(value_from, e) from None
    stop_timeout = rule.get("stopTimeout")
    if stop_timeout is None:
        stop_timeout = definition.get("stopTimeout", DEFAULT_STOP_TIMEOUT)
    return {"name": name, "essential": definition.get("essential", True) is not False, "argv": argv,
            "cwd": rule.get("cwd") or None, "env": env, "stopTimeout": float(stop_timeout),
            "log": _log_target(task, definition)}


def _fail_to_start(task, failure):
    reasons = {failure.container: failure.container_reason} if failure.container else {}
    task._ext_result = {"stopCode": FAILED_TO_START, "stoppedReason": failure.reason, "reasons": reasons}
    task._runner.done = True
    task._status = ext_ecs.STOPPED
    ext_ecs._settle(task)


def _launch(task):
    """Start a matched task's processes (under _lock), or fail it as ECS would."""
    try:
        plans = [_plan(task, d, rule) for d, rule in task._runner.matched]
        task._runner.plans = plans
        task._runner.stop_timeout = max(p["stopTimeout"] for p in plans)
    except StartFailure as failure:
        _fail_to_start(task, failure)
        return
    try:
        task._runner.start()
    except OSError as e:
        task._runner.kill()
        for p in task._runner.procs:
            p.popen.wait()
        _runs.pop(task.task_arn, None)
        name = plans[len(task._runner.procs)]["name"] if len(task._runner.procs) < len(plans) else None
        detail = f"exec: {e.filename!r}: {e.strerror}" if e.filename else str(e)
        _fail_to_start(task, StartFailure(f"CannotStartContainerError: {detail}", name,
                                          f"CannotStartContainerError: {detail}"))


# --- install ---------------------------------------------------------------------------------

def _reset():
    with _lock:
        _rules.clear()
        for run in list(_runs.values()):
            run.kill()
        _runs.clear()


def _shutdown():
    runs = list(_runs.values())
    for run in runs:
        for p in run.procs:
            if p.code is None:
                _killpg(p.popen.pid, signal.SIGTERM)
    deadline = time.time() + 1
    for run in runs:
        for p in run.procs:
            try:
                p.popen.wait(max(0.0, deadline - time.time()))
            except subprocess.TimeoutExpired:
                pass
            _killpg(p.popen.pid, signal.SIGKILL)


def install() -> None:
    import moto
    from moto.ecs import models
    from moto.moto_api._internal import urls

    if moto.__version__ != EXPECTED_MOTO:
        raise RuntimeError(
            f"emulator/ext_ecs_runner.py patches moto {EXPECTED_MOTO} internals, found moto "
            f"{moto.__version__}: re-check the patch against the new source, then update EXPECTED_MOTO")
    if not hasattr(models.Task, "_ext_was_running"):
        raise RuntimeError("emulator/ext_ecs_runner.py needs ext_ecs.py installed first")
    Task, Backend = models.Task, models.EC2ContainerServiceBackend
    if "status" in Task.__dict__:
        raise RuntimeError("emulator/ext_ecs_runner.py: moto's Task defines its own status now; re-check")

    # A matched task's state is the runner's, not the state manager's.
    stock_status = Task.status

    def status_get(self):
        if self.__dict__.get("_runner") is not None:
            return self._status
        return stock_status.fget(self)

    def status_set(self, value):
        run = self.__dict__.get("_runner")
        if run is not None and not run.done:
            return  # moto's StopTask: the runner stops the task when its processes are gone
        self._status = value

    Task.status = property(status_get, status_set)

    task_init = Task.__init__

    def patched_task_init(self, *args, **kwargs):
        task_init(self, *args, **kwargs)
        self._runner = None
        if hasattr(type(self), "_svc_init"):  # a service task (ext_ecs_deploy.py): not run
            return
        td = kwargs.get("task_definition") or args[1]
        with _lock:
            matched = [(d, r) for d in td.container_definitions for r in [_match(td.family, d)] if r]
        if matched:
            self._runner = Run(self, matched)

    Task.__init__ = patched_task_init

    run_task, stop_task = Backend.run_task, Backend.stop_task

    def patched_run_task(self, *args, **kwargs):
        tasks = run_task(self, *args, **kwargs)
        with _lock:
            for task in tasks:
                run = task.__dict__.get("_runner")
                if run is not None and not run.done and not run.procs:
                    _launch(task)
        return tasks

    def patched_stop_task(self, *args, **kwargs):
        task = stop_task(self, *args, **kwargs)
        with _lock:
            run = task.__dict__.get("_runner")
            if run is not None and not run.done and not run.stopping:
                run.stop()
        return task

    Backend.run_task = patched_run_task
    Backend.stop_task = patched_stop_task

    threading.Thread(target=_spawner, name="ext_ecs_runner spawner", daemon=True).start()
    atexit.register(_shutdown)
    urls.url_paths[RUNNER_PATH] = runner_config
    ext_ecs.register_reset(_reset)
