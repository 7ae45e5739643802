"""ECS task results that stock moto does not model: exit codes, stop codes, reasons, timestamps.

Stock moto 5.2.5 keeps every container's exitCode at 0 from the start, never sets stopCode,
stoppedAt or desiredStatus STOPPED, models one container per task (the first definition's,
with the task definition's ARN as its taskArn) and answers StopTask of an unknown task with an
HTTP 500. This module patches its ECS models so that, once a task stops:

- every container of the task definition is in containers[] (real taskArn and containerArn);
  containers are RUNNING while the task runs (PENDING when it fails to start), STOPPED from
  DEPROVISIONING on, and only then carry an exitCode (none for TaskFailedToStart);
- the task has stopCode, stoppedReason, desiredStatus STOPPED (as soon as it leaves RUNNING),
  createdAt, startedAt, stoppingAt, executionStoppedAt and stoppedAt;
- StopTask gives stopCode UserInitiated, the caller's reason, and exit code 143 (SIGTERM) for
  containers that were running; an unknown task is an InvalidParameterException.

What a task shows when it stops is configured per task ARN, per task-definition family, or for
every task ("*"), before or after RunTask (it is fixed once the task's containers stop):

    POST /moto-api/ext/ecs/task-result
    {"taskArn": ARN | "family": NAME | "family": "*",
     "exitCode": 3,                      # every container not in exitCodes (default 0;
                                         #   none when stopCode is TaskFailedToStart)
     "exitCodes": {"app": 3, "init": null},   # per container name; null = no exit code
     "stopCode": "EssentialContainerExited",  # the default
     "stoppedReason": "...",             # default: "Essential container in task exited"
     "reason": "...",                    # container reason for every container not in reasons
     "reasons": {"app": "OutOfMemoryError: ..."}}

    POST /moto-api/ext/ecs/stop-delay    # StopTask answers only after this long (a slow stop,
    {"seconds": 5}                       #   for what happens meanwhile); 0 (the default): at once

    POST /moto-api/ext/reset             # forget everything configured (every ext_* module)

The reset route is shared: a module that configures state registers its own hook with
register_reset(). The patch is written against moto 5.2.5's internals and install() refuses to
run against anything else.
"""

import inspect
import json
import threading
import time

EXPECTED_MOTO = "5.2.5"

RESET_PATH = "{0}/moto-api/ext/reset$"
RESULT_PATH = "{0}/moto-api/ext/ecs/task-result$"
STOP_DELAY_PATH = "{0}/moto-api/ext/ecs/stop-delay$"

# Raw task states (moto's state manager); containers stop from DEPROVISIONING on.
RUNNING = "RUNNING"
CONTAINERS_STOPPED = ("DEPROVISIONING", "STOPPED")
STOPPED = "STOPPED"
FAILED_TO_START = "TaskFailedToStart"
SIGTERM_EXIT = 143

_lock = threading.Lock()
_results: dict = {}  # "arn:<task arn>" | "family:<name>" | "family:*" -> result dict
_stop_delay = {"seconds": 0.0}


def register_reset(hook) -> None:
    """Call hook() on POST /moto-api/ext/reset (the route is created by the first caller)."""
    from moto.moto_api._internal import urls

    handler = urls.url_paths.get(RESET_PATH)
    if handler is None:

        def ext_reset(request, full_url, headers):
            if request.method != "POST":
                return 405, {}, json.dumps({"Error": "POST to reset the extensions"})
            for h in ext_reset.hooks:
                h()
            return 200, {}, json.dumps({"status": "ok"})

        ext_reset.hooks = []
        urls.url_paths[RESET_PATH] = ext_reset
        handler = ext_reset
    handler.hooks.append(hook)


def _reset() -> None:
    with _lock:
        _results.clear()
        _stop_delay["seconds"] = 0.0


def stop_delay(request, full_url, headers):
    """POST /moto-api/ext/ecs/stop-delay: StopTask answers after {"seconds": N}."""
    if request.method != "POST":
        return 405, {}, json.dumps({"Error": "POST a delay"})
    try:
        data = _body(request)
        seconds = data.get("seconds")
        if set(data) != {"seconds"} or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 60:
            raise ValueError('expected {"seconds": N} with N from 0 to 60')
    except ValueError as e:
        return 400, {}, json.dumps({"Error": str(e)})
    with _lock:
        _stop_delay["seconds"] = float(seconds)
    return 200, {}, json.dumps({"status": "ok"})


def _body(request) -> dict:
    raw = request.get_data() if hasattr(request, "get_data") else request.body
    data = json.loads(raw or b"{}")
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def task_result(request, full_url, headers):
    """POST /moto-api/ext/ecs/task-result: configure what tasks show once stopped."""
    if request.method != "POST":
        return 405, {}, json.dumps({"Error": "POST a task result"})
    try:
        data = _body(request)
        if ("taskArn" in data) == ("family" in data):
            raise ValueError('give exactly one of "taskArn" and "family" ("*" for every task)')
        key = f"arn:{data.pop('taskArn')}" if "taskArn" in data else f"family:{data.pop('family')}"
        known = {"exitCode", "exitCodes", "stopCode", "stoppedReason", "reason", "reasons"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}; known: {sorted(known)}")
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        return 400, {}, json.dumps({"Error": str(e)})
    with _lock:
        _results[key] = data
    return 200, {}, json.dumps({"status": "ok"})


def _configured(task) -> dict:
    with _lock:
        for key in (f"arn:{task.task_arn}", f"family:{task._ext_family}", "family:*"):
            if key in _results:
                return dict(_results[key])
    return {}


def _result(task) -> dict:
    """The task's result: frozen once its containers stopped, else what is configured now."""
    return task._ext_result if task._ext_result is not None else _configured(task)


def _settle(task) -> None:
    """Apply the pending state transition now (reading moto's `status` does it), so that one
    response shows one state, then record what was observed."""
    from moto.core.utils import utcnow

    status = task.status
    now = utcnow()
    stamps = task._ext_stamps
    if status != RUNNING:
        stamps.setdefault("stoppingAt", now)
    if status in CONTAINERS_STOPPED:
        stamps.setdefault("executionStoppedAt", now)
        if task._ext_result is None:
            task._ext_result = _configured(task)
            if task._ext_stopped_by_user is not None:
                task._ext_result = {
                    "stopCode": "UserInitiated",
                    "stoppedReason": task._ext_stopped_by_user,
                    "exitCode": SIGTERM_EXIT if task._ext_was_running() else None,
                }
    if status == STOPPED:
        stamps.setdefault("stoppedAt", now)


def install() -> None:
    import moto
    from moto.core.utils import utcnow
    from moto.ecs import models
    from moto.ecs.exceptions import InvalidParameterException
    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal import urls

    # Refuse to patch internals this was not written against.
    if moto.__version__ != EXPECTED_MOTO:
        raise RuntimeError(
            f"emulator/ext_ecs.py patches moto {EXPECTED_MOTO} internals, found moto "
            f"{moto.__version__}: re-check the patch against the new source, then update "
            "EXPECTED_MOTO"
        )
    expected = {
        models.Task.__init__: ["self.desired_status = ", "self.stopped_reason = ", "self.containers = ["],
        models.Container.__init__: ["self.exitCode = 0", "self.last_status = ", "container_definitions[0]"],
        models.EC2ContainerServiceBackend.describe_tasks: ["task.advance()"],
        models.EC2ContainerServiceBackend.stop_task: ["tasks[task].stopped_reason = reason"],
    }
    for func, needles in expected.items():
        src = inspect.getsource(func)
        for needle in needles:
            if needle not in src:
                raise RuntimeError(
                    f"emulator/ext_ecs.py: moto's {func.__qualname__} no longer contains "
                    f"{needle!r}; the patch must be re-checked"
                )
    if "{0}/moto-api/reset" not in urls.url_paths:
        raise RuntimeError("emulator/ext_ecs.py: moto's moto-api routes moved")

    Task, Container, Backend = models.Task, models.Container, models.EC2ContainerServiceBackend

    # --- Task: every container, timestamps, and fields derived from the raw state ---------
    task_init = Task.__init__

    def patched_task_init(self, *args, **kwargs):
        self._ext_result = None
        self._ext_stamps = {}
        self._ext_stopped_by_user = None
        self._ext_desired = RUNNING
        self._ext_reason = ""
        task_init(self, *args, **kwargs)
        task_def = kwargs.get("task_definition") or args[1]
        self._ext_family = task_def.family
        self._ext_created = utcnow()
        containers = []
        for definition in task_def.container_definitions:
            c = Container(task_def)
            c.name = definition.get("name")
            c.image = definition.get("image")
            c.cpu = definition.get("cpu", 0)
            c.memory = definition.get("memory")
            c.environment = definition.get("environment")
            c.command = definition.get("command")
            # AWS: arn:aws:ecs:REGION:ACCOUNT:container/CLUSTER/TASK_ID/UUID
            prefix = self.task_arn.split(":task/")[0]
            c.container_arn = f"{prefix}:container/{self.cluster_name}/{self.id}/{mock_random.uuid4()}"
            c.task_arn = self.task_arn
            c._ext_task = self
            containers.append(c)
        self.containers = containers

    def was_running(self) -> bool:
        return _result(self).get("stopCode") != FAILED_TO_START

    def desired_status(self):
        raw = getattr(self, "_status", RUNNING)
        if self._ext_desired == STOPPED or raw != RUNNING:
            return STOPPED
        return self._ext_desired

    def set_desired_status(self, value):
        self._ext_desired = value

    def stopped_reason(self):
        if self._ext_result is None and getattr(self, "_status", RUNNING) != STOPPED:
            return None
        result = _result(self)
        if result.get("stoppedReason") is not None:
            return result["stoppedReason"]
        if result.get("stopCode") == FAILED_TO_START:
            return "Task failed to start"
        return self._ext_reason or "Essential container in task exited"

    def set_stopped_reason(self, value):
        self._ext_reason = value or ""

    def stop_code(self):
        if self._ext_result is None:
            return None
        return self._ext_result.get("stopCode") or "EssentialContainerExited"

    def started_at(self):
        return self._ext_created if was_running(self) else None

    def stamp(name):
        return property(lambda self: self._ext_stamps.get(name))

    # A task that fails to start shows PENDING, never RUNNING (moto starts tasks at RUNNING).
    stock_last_status = Task.last_status

    def last_status(self):
        status = stock_last_status.fget(self)  # applies moto's pending transition
        return "PENDING" if status == RUNNING and not was_running(self) else status

    Task.__init__ = patched_task_init
    Task.last_status = property(last_status, stock_last_status.fset)
    Task._ext_was_running = was_running
    Task.desired_status = property(desired_status, set_desired_status)
    Task.stopped_reason = property(stopped_reason, set_stopped_reason)
    Task.stop_code = property(stop_code)
    Task.created_at = property(lambda self: self._ext_created)
    Task.started_at = property(started_at)
    Task.stopping_at = stamp("stoppingAt")
    Task.execution_stopped_at = stamp("executionStoppedAt")
    Task.stopped_at = stamp("stoppedAt")

    # --- Container: status, exit code and reason from the task's state --------------------
    def container_status(self):
        task = getattr(self, "_ext_task", None)
        if task is None:
            return self._ext_last_status
        if getattr(task, "_status", RUNNING) in CONTAINERS_STOPPED:
            return STOPPED
        return RUNNING if was_running(task) else "PENDING"

    def set_container_status(self, value):
        self._ext_last_status = value

    def exit_code(self):
        task = getattr(self, "_ext_task", None)
        if task is None:
            return self._ext_exit_code
        if task._ext_result is None or container_status(self) != STOPPED:
            return None
        result = task._ext_result
        codes = result.get("exitCodes") or {}
        if self.name in codes:
            return codes[self.name]
        if "exitCode" in result:
            return result["exitCode"]
        return None if result.get("stopCode") == FAILED_TO_START else 0

    def set_exit_code(self, value):
        self._ext_exit_code = value

    def container_reason(self):
        task = getattr(self, "_ext_task", None)
        if task is None or task._ext_result is None:
            return None
        reasons = task._ext_result.get("reasons") or {}
        return reasons.get(self.name, task._ext_result.get("reason"))

    Container.last_status = property(container_status, set_container_status)
    Container.exitCode = property(exit_code, set_exit_code)
    Container.reason = property(container_reason)

    # --- Backend: settle each task a response shows; StopTask records who stopped it -------
    run_task = Backend.run_task
    describe_tasks = Backend.describe_tasks
    stop_task = Backend.stop_task

    def patched_run_task(self, *args, **kwargs):
        tasks = run_task(self, *args, **kwargs)
        for task in tasks:
            _settle(task)
        return tasks

    def patched_describe_tasks(self, *args, **kwargs):
        tasks = describe_tasks(self, *args, **kwargs)
        for task in tasks:
            _settle(task)
        return tasks

    def patched_stop_task(self, cluster_str, task_str, reason):
        with _lock:
            delay = _stop_delay["seconds"]
        if delay:
            time.sleep(delay)
        try:
            task = stop_task(self, cluster_str, task_str, reason)
        except Exception as e:  # moto raises a bare Exception (HTTP 500) here
            if "has no registered tasks" in str(e) or "Could not find task" in str(e):
                raise InvalidParameterException("The referenced task was not found.") from e
            raise
        if task._ext_stopped_by_user is None and task._ext_result is None:
            task._ext_stopped_by_user = reason or "Task stopped by user"
        _settle(task)
        return task

    Backend.run_task = patched_run_task
    Backend.describe_tasks = patched_describe_tasks
    Backend.stop_task = patched_stop_task

    # --- Routes ------------------------------------------------------------------------------
    urls.url_paths[RESULT_PATH] = task_result
    urls.url_paths[STOP_DELAY_PATH] = stop_delay
    register_reset(_reset)
