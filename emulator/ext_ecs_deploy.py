"""ECS service rollouts that stock moto does not model: deployments, service deployments,
service revisions, service tasks, events, the circuit breaker and rollbacks.

Stock moto 5.2.5 gives a service one PRIMARY deployment that never moves: UpdateService
creates no deployment, no task is started, `events` stays empty, and ListServiceDeployments,
DescribeServiceDeployments, DescribeServiceRevisions and StopServiceDeployment answer HTTP 500.
For services with the ECS deployment controller (the default) this module replaces that with a
rolling deployment that progresses with wall-clock time, evaluated lazily: every ECS request
first applies whatever was due by now, each step stamped with the time it was due (so a client
that polls late sees the same history, timestamps included, as one that polled often).

What a rollout does (D = the `seconds` knob, default 2; a wave = one task per desired task):

    t0        CreateService, or UpdateService with a new task definition, forceNewDeployment,
              or new network configuration / platform version: a new service revision
              (DescribeServiceRevisions), a new service deployment (status IN_PROGRESS,
              lifecycleStage SCALE_UP) and a new PRIMARY entry in deployments[] (the previous
              ones become ACTIVE); a wave of tasks starts (PENDING): event "(service S) has
              started N tasks: (task ID) ...". A service deployment still in progress is
              STOPPED (superseded). desiredCount alone creates no deployment (it only scales).
    t0+0.4D   the wave's tasks are RUNNING
    t0+0.6D   every other task of the service stops (stopCode ServiceSchedulerInitiated,
              "Scaling activity initiated by (deployment ecs-svc/N)"), event "has stopped N
              running tasks", lifecycleStage CLEAN_UP, the other deployments leave deployments[]
    t0+D      rolloutState COMPLETED, service deployment SUCCESSFUL, events "(deployment
              ecs-svc/N) deployment completed." and "has reached a steady state."

A rollout whose revision matches a failure rule (knob below) fails instead, one wave every
0.4D: CannotPullContainerError (the tasks never run: stopCode TaskFailedToStart),
EssentialContainerExited (the tasks run 0.2D, then the container exits with exitCode), or
HealthCheckFailed (the tasks run 0.2D, then fail container health checks: healthStatus
UNHEALTHY, stopCode ServiceSchedulerInitiated). Failed tasks count towards the circuit breaker
(threshold = ceil(desired / 2) clamped to 3..200, as ECS documents) when the service's
deploymentConfiguration.deploymentCircuitBreaker is enabled:
- rollback on: rolloutState FAILED ("ECS deployment circuit breaker: tasks failed to start."),
  events "deployment failed: tasks failed to start." and "rolling back to deployment
  ecs-svc/M." (M = the last deployment that COMPLETED); the service deployment goes
  ROLLBACK_REQUESTED, then (0.1D later) ROLLBACK_IN_PROGRESS with a new PRIMARY deployment of the
  last good revision (the service's taskDefinition returns to it), which rolls out as above and
  ends ROLLBACK_SUCCESSFUL, or ROLLBACK_FAILED if that revision fails too. With no deployment that
  ever completed there is nothing to roll back to: as rollback off.
- rollback off: rolloutState FAILED, the service deployment STOPPED; the old tasks keep running.
- breaker off: ECS keeps launching waves (backing off up to 30 s between them; after the third
  failed wave the event "is unable to consistently start tasks successfully"); the deployment
  stays IN_PROGRESS for ever, as on ECS.

StopServiceDeployment: stopType ROLLBACK (the default) rolls an ongoing service deployment back
as above (ROLLBACK_REQUESTED ... ROLLBACK_SUCCESSFUL) to the last revision that completed (else
its first source revision; with neither, an InvalidParameterException); ABORT stops it
(STOP_REQUESTED, then STOPPED 0.1D later): it launches nothing more and its tasks not yet
running stop. Either way its deployment's rolloutState becomes FAILED. Stopping a deployment
already rolling back is a no-op; a finished one is a ConflictException; an unknown ARN a
ServiceDeploymentNotFoundException. ListServiceDeployments filters on status and createdAt and
pages with maxResults (default 20) / nextToken, newest first; the Describe calls take up to 20
ARNs and report unknown ones in failures[] with reason MISSING.

Service tasks are real moto tasks (ListTasks, DescribeTasks): group
"service:S", startedBy the deployment id, containers from the task definition; stopped ones carry
stopCode, stoppedReason, stoppedAt and each container's exitCode and reason, worded as ECS words
them (e.g. "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to
resolve ref IMAGE: IMAGE: not found"; "Essential container in task exited"; "Task failed container
health checks"). A task stopped with StopTask shows UserInitiated and is not replaced. ListTasks
with serviceName lists that service's tasks and, as on ECS, only desiredStatus RUNNING ones unless
desiredStatus is given (without serviceName moto's behaviour stays: every task, whatever its
status).

Knobs, per emulator:

    POST /moto-api/ext/ecs/rollout       (GET answers the current settings)
    {"seconds": 2,                       # D above, 0 to 600; read when a rollout starts
     "failures": [                       # replaces the list; the first rule that matches a
       {"image": "*:bad*",               #   revision wins; fnmatch patterns on any container
        "family": "web*",                #   image, the task definition family and the service
        "service": "api",                #   name (at least one; all given must match); read
                                         #   when a rollout starts
        "mode": "CannotPullContainerError" | "EssentialContainerExited" | "HealthCheckFailed",
        "container": "app",              # the failing container (default: the first whose
                                         #   image matches, else the first essential one)
        "exitCode": 1,                   # its exit code (default 1; HealthCheckFailed: 143;
                                         #   none for CannotPullContainerError)
        "reason": "..."}]}               # the task's stoppedReason instead of ECS's wording

    POST /moto-api/ext/reset             # every ext_* module forgets its settings

How this differs from ECS:
- Nothing runs: no container starts, no image is pulled. A revision's imageDigest is the image's
  digest in moto's ECR when it is there, else a stand-in sha256 of the image name.
- Time: the knob's, not ECS's; a service deployment starts IN_PROGRESS at once (ECS shows PENDING
  for a moment). Steps are applied when a request comes, stamped with their due time; an ECS
  request waits for any other one in progress (one lock), except during ext_ecs's stop delay.
- Only the rolling strategy (ECS controller; CODE_DEPLOY / EXTERNAL services keep moto's static
  model): no BLUE_GREEN / LINEAR / CANARY traffic shifting, bake time, lifecycle hooks or
  ContinueServiceDeployment (lifecycleStage is only SCALE_UP then CLEAN_UP); no CloudWatch alarm
  rollbacks (alarms show DISABLED or MONITORING and never trigger); no load balancers or target
  health. minimumHealthyPercent / maximumPercent are echoed, but a rollout always starts a full
  wave before it stops the old tasks; a rollback starts fresh tasks of its target revision.
  thresholdConfiguration, resetOnHealthyTask and earlySuccessCriteria are ignored.
- desiredCount alone: the PRIMARY's tasks are started (RUNNING 0.4D later, then "has reached a
  steady state.") or stopped at once; while a rollout runs, its next wave uses the new count.
  A task stopped with StopTask, or by DeleteService, is not replaced.
- An awsvpc service without networkConfiguration is refused (InvalidParameterException, as on
  ECS) only when it needs a task (desiredCount above 0): moto accepts it otherwise.
- deployments[] never shows INACTIVE entries: drained ones leave the list. A service revision's
  ARN ends in the number of the deployment that created it (a made-up correspondence).
- Kept: the newest 100 events and the newest 200 stopped tasks per service.
- Wording: the events, the circuit breaker's rolloutStateReason / statusReason, and the stopped
  reasons above follow ECS's texts (the anchors' research notes and ECS's documentation);
  the statusReason of superseded and user-stopped service deployments, rollback.reason, the
  stoppedReason of tasks an ABORT stops and the error messages are plausible, not ECS's.
The patch is written against moto 5.2.5's internals and install() refuses anything else.
"""
import inspect
import time

import ext_ecs
import ecs_rollout as model
from ecs_rollout import _dt, _lock, _tls, error as _error

EXPECTED_MOTO = "5.2.5"


def _task_classes(models):
    """A moto Task whose state the rollout model drives (not moto's state manager)."""
    Task, Container = models.Task, models.Container

    def stop(task):
        return getattr(task, "_svc_stop", None)

    def stamp(name):
        return property(lambda self: _dt(self._svc_t[name]) if name in self._svc_t else None)

    class ServiceContainer(Container):
        __module__ = models.__name__  # moto's model registry keys on it

        def _task_state(self):
            task = self._svc_task
            return "STOPPED" if stop(task) else "PENDING" if task._svc_pending else "RUNNING"

        def _exit_code(self):
            info = stop(self._svc_task)
            if not info or info.get("never_ran"):
                return None
            return info["exitCodes"].get(self.name)

        def _health(self):
            info = stop(self._svc_task)
            if info and info.get("unhealthy") == self.name:
                return "UNHEALTHY"
            if self._svc_checked and self._task_state() == "RUNNING":
                return "HEALTHY"
            return "UNKNOWN"

        last_status = property(_task_state, lambda self, v: None)
        exitCode = property(_exit_code, lambda self, v: None)
        reason = property(lambda self: (stop(self._svc_task) or {}).get("reasons", {}).get(self.name))
        health_status = property(_health, lambda self, v: None)

    class ServiceTask(Task):
        __module__ = models.__name__

        # moto's state manager does not move these: the rollout model sets _status
        status = property(lambda self: self._status, lambda self, v: setattr(self, "_status", v))

        def advance(self):
            pass

        def _svc_init(self, td, t, dep_id, rev_arn):
            from moto.moto_api._internal import mock_random

            self._svc_t, self._svc_pending, self._svc_stop = {"created": t}, True, None
            self._svc_dep, self._svc_rev = dep_id, rev_arn
            self._ext_created = _dt(t)
            prefix = self.task_arn.split(":task/")[0]
            containers = []
            for d in td.container_definitions:
                c = ServiceContainer(td)
                c.name, c.image, c.cpu = d.get("name"), d.get("image"), d.get("cpu", 0)
                c.memory, c.environment, c.command = d.get("memory"), d.get("environment"), d.get("command")
                c.container_arn = f"{prefix}:container/{self.cluster_name}/{self.id}/{mock_random.uuid4()}"
                c.task_arn, c._svc_task, c._svc_checked = self.task_arn, self, bool(d.get("healthCheck"))
                containers.append(c)
            self.containers = containers

        def _svc_run(self, t):
            self._svc_pending = False
            self._svc_t["started"] = t

        def _last_status(self):
            return "STOPPED" if stop(self) else "PENDING" if getattr(self, "_svc_pending", False) else "RUNNING"

        def _set_last_status(self, value):
            # moto's StopTask: the user stopped a service task
            if value == "STOPPED" and hasattr(self, "_svc_t") and not self._svc_stop:
                ran = not self._svc_pending
                model._stop(self, time.time(), {
                    "stopCode": "UserInitiated", "stoppedReason": "Task stopped by user",
                    "exitCodes": {c.name: 143 for c in self.containers} if ran else {},
                    "reasons": {}, "never_ran": not ran})

        def _set_stopped_reason(self, value):
            info = stop(self)
            if info and info["stopCode"] == "UserInitiated" and value:
                info["stoppedReason"] = value

        def _health(self):
            info = stop(self)
            if info and info.get("unhealthy"):
                return "UNHEALTHY"
            checked = any(c._svc_checked for c in getattr(self, "containers", []) if hasattr(c, "_svc_checked"))
            return "HEALTHY" if checked and self._last_status() == "RUNNING" else "UNKNOWN"

        last_status = property(_last_status, _set_last_status)
        desired_status = property(lambda self: "STOPPED" if stop(self) else "RUNNING", lambda self, v: None)
        stopped_reason = property(lambda self: (stop(self) or {}).get("stoppedReason"), _set_stopped_reason)
        stop_code = property(lambda self: (stop(self) or {}).get("stopCode"))
        health_status = property(_health)
        created_at = stamp("created")
        started_at = stamp("started")
        stopping_at = stamp("stopped")
        execution_stopped_at = stamp("stopped")
        stopped_at = stamp("stopped")

    return ServiceTask


def _advance_all(backend):
    now = time.time()
    for svc in list(backend.services.values()):
        st = getattr(svc, "_ext_state", None)
        if st is not None and svc.status == "ACTIVE":
            st.advance(now)


def _serialised(method):
    """Run a backend method under the model's lock, after bringing every rollout up to now."""

    def wrapper(self, *args, **kwargs):
        with _lock:
            _advance_all(self)
            return method(self, *args, **kwargs)

    wrapper.__wrapped__ = method
    return wrapper


def _awsvpc_check(backend, td_str, network_configuration, desired):
    """ECS refuses an awsvpc service without network configuration; so do we once it needs a
    task (moto accepts it, and tests create such services with desiredCount 0)."""
    td = backend.describe_task_definition(td_str)
    if td.network_mode == "awsvpc" and not network_configuration and desired:
        raise _error("InvalidParameterException",
                     "Network Configuration must be provided when networkMode 'awsvpc' is specified.")


def install() -> None:
    import moto
    from moto.core.responses import ActionResult
    from moto.ecs import models, responses
    from moto.moto_api._internal import urls

    if moto.__version__ != EXPECTED_MOTO:
        raise RuntimeError(
            f"emulator/ext_ecs_deploy.py patches moto {EXPECTED_MOTO} internals, found moto "
            f"{moto.__version__}: re-check the patch against the new source, then update EXPECTED_MOTO")
    Backend, Response = models.EC2ContainerServiceBackend, responses.EC2ContainerServiceResponse
    expected = {
        Backend.update_service: ['pop("force_new_deployment", False)', "current_service.__setattr__(prop_name"],
        models: ['tasks[task].last_status = "STOPPED"'],  # StopTask (ext_ecs wraps it)
        Backend.list_tasks: ["if service_name:", "t.desired_status == desiredStatus"],
        Response.create_service: ["self.ecs_backend.create_service("],
        models.ManagedState.status.fget: ["state_manager.get_transition"],
    }
    for func, needles in expected.items():
        src = inspect.getsource(func)
        for needle in needles:
            if needle not in src:
                raise RuntimeError(f"emulator/ext_ecs_deploy.py: moto's {getattr(func, '__qualname__', func.__name__)} no longer "
                                   f"contains {needle!r}; the patch must be re-checked")
    if not hasattr(models.Task, "_ext_was_running"):
        raise RuntimeError("emulator/ext_ecs_deploy.py needs ext_ecs.py installed first")

    Backend._ext_service_task_class = _task_classes(models)
    backend_init = Backend.__init__

    def patched_init(self, *args, **kwargs):
        backend_init(self, *args, **kwargs)
        self._ext_sds, self._ext_revisions = {}, {}

    Backend.__init__ = patched_init

    # --- services: a deployment per CreateService / UpdateService that changes what runs ---
    create_service, update_service = Backend.create_service, Backend.update_service
    create_sig = inspect.signature(create_service)

    def patched_create_service(self, *args, **kwargs):
        a = create_sig.bind(self, *args, **kwargs).arguments
        ecs = (a.get("deployment_controller") or {}).get("type", "ECS") == "ECS"
        if ecs and a.get("task_definition_str"):
            _awsvpc_check(self, a["task_definition_str"], a.get("network_configuration"), a.get("desired_count"))
        service = create_service(self, *args, **kwargs)
        if ecs and service.task_definition:
            st = model.State(self, service, getattr(_tls, "config", None))
            service._ext_state = st
            model.start_deployment(st, time.time())
            st.render()
        return service

    def patched_update_service(self, props):
        cluster, name = props.get("cluster", "default"), props["service"].split("/")[-1]
        service = self._get_service(cluster, name)
        st = getattr(service, "_ext_state", None)
        if st is None or service.status != "ACTIVE":
            return update_service(self, props)
        force = bool(props.pop("force_new_deployment", False))
        td_str = props.get("task_definition")
        new_td = self.describe_task_definition(td_str).arn if td_str else None
        net, platform = props.get("network_configuration"), props.get("platform_version")
        want = props.get("desired_count")
        _awsvpc_check(self, new_td or service.task_definition, net or service.network_configuration,
                      service.desired_count if want is None else want)
        changed = (
            (new_td is not None and new_td != service.task_definition)
            or (net is not None and net != service.network_configuration)
            or (platform is not None and platform != service.platform_version)
        )
        desired = service.desired_count
        update_service(self, props)
        if new_td:
            service.task_definition = new_td
        now = time.time()
        if changed or force:
            model.start_deployment(st, now)
        elif service.desired_count != desired:
            model.scale(st, now)
        st.render()
        return service

    def patched_delete_service(self, cluster_name, service_name, force):
        service = delete_service(self, cluster_name, service_name, force)
        st = getattr(service, "_ext_state", None)
        if st is not None and service.status == "INACTIVE":
            st.queue.clear()
            dep = st.deployments[0]["id"] if st.deployments else "ecs-svc/0"
            for x in st.live():
                model._stop(x, time.time(), {
                    "stopCode": "ServiceSchedulerInitiated",
                    "stoppedReason": f"Scaling activity initiated by (deployment {dep})",
                    "exitCodes": {c.name: 0 for c in x.containers}, "reasons": {}, "never_ran": x._svc_pending})
            st.render()
        return service

    list_tasks, delete_service = Backend.list_tasks, Backend.delete_service

    def patched_list_tasks(self, cluster_str=None, container_instance=None, family=None,
                           started_by=None, service_name=None, desiredStatus=None):
        if service_name:  # ECS's default filter is RUNNING (moto lists every task; kept without serviceName)
            desiredStatus = desiredStatus or "RUNNING"
        tasks = list_tasks(self, cluster_str, container_instance, family, started_by, service_name, desiredStatus)
        if service_name:
            group = f"service:{service_name.split('/')[-1]}"
            tasks = [t for t in tasks if t.group == group]
        return tasks

    Backend.create_service = _serialised(patched_create_service)
    Backend.update_service = _serialised(patched_update_service)
    Backend.delete_service = _serialised(patched_delete_service)
    Backend.list_tasks = _serialised(patched_list_tasks)
    for name in ("describe_services", "list_services", "describe_tasks", "run_task"):
        setattr(Backend, name, _serialised(getattr(Backend, name)))
    stop_task = Backend.stop_task

    def patched_stop_task(self, *args, **kwargs):
        # not under the lock: ext_ecs's stop-delay knob sleeps in there, and other calls
        # (DescribeTasks, ListTasks) must answer meanwhile
        with _lock:
            _advance_all(self)
        return stop_task(self, *args, **kwargs)

    Backend.stop_task = patched_stop_task

    # --- the API: CreateService's deploymentConfiguration, the service deployment calls -----
    response_create_service = Response.create_service

    def resp_create_service(self):
        _tls.config = self._get_param("deploymentConfiguration")
        try:
            return response_create_service(self)
        finally:
            _tls.config = None

    def resp_list_service_deployments(self):
        backend = self.ecs_backend
        with _lock:
            _advance_all(backend)
            service = backend._get_service(self._get_param("cluster", "default"), self._get_param("service"))
            st = getattr(service, "_ext_state", None)
            sds = list(st.sds) if st else []
            statuses = self._get_param("status") or []
            created = self._get_param("createdAt") or {}
            if statuses:
                sds = [sd for sd in sds if sd.status in statuses]
            after, before = (_epoch(created.get(k)) for k in ("after", "before"))
            sds = [sd for sd in sds if (after is None or sd.created >= after) and (before is None or sd.created <= before)]
            start = int(self._get_param("nextToken") or 0)
            size = int(self._get_param("maxResults") or 20)
            if not 1 <= size <= 100:
                raise _error("InvalidParameterException", "maxResults must be between 1 and 100.")
            page = [sd.brief() for sd in sds[start:start + size]]
            result = {"serviceDeployments": page}
            if start + size < len(sds):
                result["nextToken"] = str(start + size)
        return ActionResult(result)

    def _describe(self, param, store, render, key, limit):
        backend = self.ecs_backend
        arns = self._get_param(param) or []
        if not 1 <= len(arns) <= limit:
            raise _error("InvalidParameterException", f"{param} must hold 1 to {limit} ARNs.")
        with _lock:
            _advance_all(backend)
            found, failures = [], []
            for arn in arns:
                item = getattr(backend, store).get(arn)
                if item is None:
                    failures.append({"arn": arn, "reason": "MISSING"})
                else:
                    found.append(render(item))
        return ActionResult({key: found, "failures": failures})

    def resp_describe_service_deployments(self):
        return _describe(self, "serviceDeploymentArns", "_ext_sds", lambda sd: sd.full(), "serviceDeployments", 20)

    def resp_describe_service_revisions(self):
        public = lambda rev: {k: v for k, v in rev.items() if not k.startswith("_")}
        return _describe(self, "serviceRevisionArns", "_ext_revisions", public, "serviceRevisions", 20)

    def resp_stop_service_deployment(self):
        backend = self.ecs_backend
        arn = self._get_param("serviceDeploymentArn")
        stop_type = self._get_param("stopType") or "ROLLBACK"
        if stop_type not in ("ROLLBACK", "ABORT"):
            raise _error("InvalidParameterException", "stopType must be ROLLBACK or ABORT.")
        with _lock:
            _advance_all(backend)
            sd = backend._ext_sds.get(arn)
            if sd is None:
                raise _error("ServiceDeploymentNotFoundException", "The service deployment does not exist.")
            model.stop_deployment(sd.st, time.time(), sd, stop_type)
            sd.st.render()
        return ActionResult({"serviceDeploymentArn": arn})

    Response.create_service = resp_create_service
    Response.list_service_deployments = resp_list_service_deployments
    Response.describe_service_deployments = resp_describe_service_deployments
    Response.describe_service_revisions = resp_describe_service_revisions
    Response.stop_service_deployment = resp_stop_service_deployment

    urls.url_paths[model.ROLLOUT_PATH] = model.rollout_config
    ext_ecs.register_reset(model._reset)


def _epoch(value):
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if hasattr(value, "timestamp"):
        return (value if value.tzinfo else value.replace(tzinfo=__import__("datetime").timezone.utc)).timestamp()
    return float(value)
