"""The rollout model behind ext_ecs_deploy.py (see its docstring): per-service state, the
timed steps of a rolling deployment, the circuit breaker and rollbacks, and the knobs.

Not an ext_* module: moto_server.py does not install it; ext_ecs_deploy.py imports it.
"""

import fnmatch
import hashlib
import heapq
import itertools
import json
import math
import re
import threading
from datetime import datetime, timezone

import ext_ecs

ROLLOUT_PATH = "{0}/moto-api/ext/ecs/rollout$"
MODES = ("CannotPullContainerError", "EssentialContainerExited", "HealthCheckFailed")
ONGOING = ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
CB_REASON = "ECS deployment circuit breaker: tasks failed to start."
MAX_EVENTS, MAX_STOPPED = 100, 200

_lock = threading.RLock()  # every service/rollout mutation and read happens under it
_tls = threading.local()  # CreateService's deploymentConfiguration, on its way to the backend
_seq = itertools.count()
_config = {"seconds": 2.0, "failures": []}


def _reset() -> None:
    with _lock:
        _config.update(seconds=2.0, failures=[])


def rollout_config(request, full_url, headers):
    """GET/POST /moto-api/ext/ecs/rollout: the rollout knobs (see the module docstring)."""
    if request.method == "GET":
        with _lock:
            return 200, {}, json.dumps(_config)
    if request.method != "POST":
        return 405, {}, json.dumps({"Error": "GET or POST the rollout settings"})
    try:
        data = ext_ecs._body(request)
        unknown = set(data) - {"seconds", "failures"}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}; known: ['failures', 'seconds']")
        seconds = data.get("seconds", _config["seconds"])
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 600:
            raise ValueError('"seconds" must be a number from 0 to 600')
        failures = data.get("failures", _config["failures"])
        if not isinstance(failures, list):
            raise ValueError('"failures" must be a list of rules')
        for rule in failures:
            keys = {"image", "family", "service", "mode", "container", "exitCode", "reason"}
            if not isinstance(rule, dict) or set(rule) - keys:
                raise ValueError(f"a failure rule is an object with keys from {sorted(keys)}")
            if rule.get("mode") not in MODES:
                raise ValueError(f'"mode" must be one of {list(MODES)}')
            if not {"image", "family", "service"} & set(rule):
                raise ValueError('a failure rule needs "image", "family" or "service" (patterns)')
    except ValueError as e:
        return 400, {}, json.dumps({"Error": str(e)})
    with _lock:
        _config.update(seconds=float(seconds), failures=[dict(r) for r in failures])
    return 200, {}, json.dumps({"status": "ok"})


def _dt(t: float) -> datetime:
    """moto's timestamps are naive UTC datetimes."""
    return datetime.fromtimestamp(t, timezone.utc).replace(tzinfo=None)


def _rand_digits() -> str:
    from moto.moto_api._internal import mock_random

    return str(mock_random.randint(10**18, 10**19 - 1))


def _rand_id(n: int = 22) -> str:
    from moto.moto_api._internal import mock_random

    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(alphabet[mock_random.randint(0, len(alphabet) - 1)] for _ in range(n))


def _digest(backend, image: str) -> str:
    """The ECR image's digest when moto's ECR has it; else a stand-in."""
    if "@sha256:" in image:
        return image.split("@", 1)[1]
    m = re.match(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com[^/]*/([^:@]+)(?::(.+))?$", image)
    if m:
        try:
            from moto.ecr.models import ecr_backends

            repo = ecr_backends[m[1]][m[2]].repositories.get(m[3])
            for img in repo.images if repo else []:
                if (m[4] or "latest") in img.image_tags:
                    return img.image_digest
        except Exception:  # a stand-in digest is good enough
            pass
    return "sha256:" + hashlib.sha256(image.encode()).hexdigest()


class ServiceDeployment:
    def __init__(self, st, t, target, sources):
        svc = st.service
        prefix = svc.arn.split(":service/")[0]
        self.arn = f"{prefix}:service-deployment/{svc.cluster_name}/{svc.name}/{_rand_id()}"
        self.st, self.target, self.sources = st, target, sources
        self.created = self.started = self.updated = t
        self.finished = self.stopped = None
        self.status, self.reason, self.stage = "IN_PROGRESS", None, "SCALE_UP"
        self.rollback = None
        self.rollout = None  # the Rollout now running for it
        self.snapshot = None  # revision summaries frozen when it finished
        cfg = st.config()
        cb = cfg["deploymentCircuitBreaker"]
        self.config = cfg
        self.cb = {"status": "MONITORING" if cb.get("enable") else "DISABLED", "failureCount": 0,
                   "threshold": min(200, max(3, math.ceil(0.5 * (svc.desired_count or 0))))}
        alarms = cfg.get("alarms") or {}
        self.alarms = {"status": "MONITORING" if alarms.get("enable") else "DISABLED"}
        if alarms.get("alarmNames"):
            self.alarms["alarmNames"] = list(alarms["alarmNames"])

    def set(self, t, status, reason=None):
        self.status, self.updated = status, t
        if reason is not None:
            self.reason = reason
        if status not in ONGOING:
            self.finished = t
            if status == "STOPPED":
                self.stopped = t
            self.snapshot = self.summaries()

    def summaries(self):
        if self.snapshot is not None:
            return self.snapshot
        return ([self.st.summary(a, 0) for a in self.sources],
                self.st.summary(self.target, self.st.service.desired_count or 0))

    def brief(self):
        svc = self.st.service
        out = {"serviceDeploymentArn": self.arn, "serviceArn": svc.arn, "clusterArn": svc.cluster_arn,
               "createdAt": _dt(self.created), "startedAt": _dt(self.started),
               "targetServiceRevisionArn": self.target, "status": self.status}
        if self.finished is not None:
            out["finishedAt"] = _dt(self.finished)
        if self.reason:
            out["statusReason"] = self.reason
        return out

    def full(self):
        out = self.brief()
        del out["targetServiceRevisionArn"]
        sources, target = self.summaries()
        out.update(updatedAt=_dt(self.updated), sourceServiceRevisions=sources,
                   targetServiceRevision=target, lifecycleStage=self.stage,
                   deploymentConfiguration=self.config, deploymentCircuitBreaker=dict(self.cb),
                   alarms=dict(self.alarms))
        if self.stopped is not None:
            out["stoppedAt"] = _dt(self.stopped)
        if self.rollback:
            out["rollback"] = dict(self.rollback, startedAt=_dt(self.rollback["startedAt"]))
        return out


class Rollout:
    """Bringing one revision up within a service deployment: waves of tasks until it runs."""

    def __init__(self, st, t, sd, rev, dep, kind):
        self.st, self.sd, self.rev, self.dep, self.kind = st, sd, rev, dep, kind
        self.t0, self.active, self.failures, self.waves = t, True, 0, 0
        with _lock:
            self.seconds = _config["seconds"]
            self.rule = _match(rev, st.service.name, _config["failures"])
        sd.rollout = self


def _match(rev, service_name, rules):
    images = [c["image"] for c in rev["containerImages"]]
    for rule in rules:
        if "service" in rule and not fnmatch.fnmatchcase(service_name, rule["service"]):
            continue
        if "family" in rule and not fnmatch.fnmatchcase(rev["_family"], rule["family"]):
            continue
        if "image" in rule and not any(fnmatch.fnmatchcase(i, rule["image"]) for i in images):
            continue
        rule = dict(rule)
        if "container" not in rule:
            hit = [c["containerName"] for c in rev["containerImages"]
                   if "image" in rule and fnmatch.fnmatchcase(c["image"], rule["image"])]
            rule["container"] = (hit or rev["_essential"] or [None])[0]
        return rule
    return None


class State:
    """The rollout model of one service."""

    def __init__(self, backend, service, config):
        self.backend, self.service = backend, service
        self.raw_config = config or {}
        self.deployments, self.sds, self.tasks, self.events, self.queue = [], [], [], [], []
        self.last_good = None  # (revision ARN, deployment id) of the last COMPLETED rollout
        service.created_at = datetime.now(timezone.utc).replace(tzinfo=None)

    def config(self):
        raw = getattr(self.service, "deployment_configuration", None) or self.raw_config or {}
        cfg = {"deploymentCircuitBreaker": {"enable": False, "rollback": False},
               "maximumPercent": 200, "minimumHealthyPercent": 100, "strategy": "ROLLING"}
        cfg.update(json.loads(json.dumps(raw)))
        cfg["deploymentCircuitBreaker"].setdefault("rollback", False)
        return cfg

    def at(self, t, fn, *args):
        heapq.heappush(self.queue, (t, next(_seq), fn, args))

    def event(self, t, message):
        from moto.moto_api._internal import mock_random

        self.events.insert(0, {"id": str(mock_random.uuid4()), "createdAt": _dt(t),
                               "message": f"(service {self.service.name}) {message}"})
        del self.events[MAX_EVENTS:]

    def live(self, pred=lambda task: True):
        return [x for x in self.tasks if not x._svc_stop and pred(x)]

    def summary(self, rev_arn, requested):
        tasks = self.live(lambda x: x._svc_rev == rev_arn)
        return {"arn": rev_arn, "requestedTaskCount": requested,
                "runningTaskCount": sum(not x._svc_pending for x in tasks),
                "pendingTaskCount": sum(x._svc_pending for x in tasks)}

    def advance(self, now):
        while self.queue and self.queue[0][0] <= now:
            t, _, fn, args = heapq.heappop(self.queue)
            fn(self, t, *args)
        self.render()

    def render(self):
        svc = self.service
        for d in self.deployments:
            tasks = self.live(lambda x: x._svc_dep == d["id"])
            d["runningCount"] = sum(not x._svc_pending for x in tasks)
            d["pendingCount"] = sum(x._svc_pending for x in tasks)
            if d["status"] == "PRIMARY":
                d["desiredCount"] = svc.desired_count or 0
            else:
                d["desiredCount"] = len(tasks)
        # copies: moto serialises them after the lock is released
        svc.deployments = [dict(d) for d in self.deployments]
        svc.events = list(self.events)
        live = self.live()
        svc.running_count = sum(not x._svc_pending for x in live)
        svc.pending_count = sum(x._svc_pending for x in live)
        svc.deployment_configuration = self.config()
        svc.current_service_deployment = self.sds[0].arn if self.sds else None
        target = self.sds[0].target if self.sds else None
        revs = dict.fromkeys([x._svc_rev for x in live] + ([target] if target else []))
        svc.current_service_revisions = [
            self.summary(r, (svc.desired_count or 0) if r == target else 0) for r in revs]


# --- the rollout steps (each runs at its due time t) ------------------------------------------

def _new_revision(st, t, td, dep_id):
    svc, backend = st.service, st.backend
    prefix = svc.arn.split(":service/")[0]
    arn = f"{prefix}:service-revision/{svc.cluster_name}/{svc.name}/{dep_id.split('/')[-1]}"
    defs = td.container_definitions
    rev = {"serviceRevisionArn": arn, "serviceArn": svc.arn, "clusterArn": svc.cluster_arn,
           "taskDefinition": td.arn, "launchType": svc.launch_type, "loadBalancers": svc.load_balancers,
           "serviceRegistries": svc.service_registries, "createdAt": _dt(t), "guardDutyEnabled": False,
           "containerImages": [{"containerName": c.get("name"), "image": c.get("image"),
                                "imageDigest": _digest(backend, c.get("image") or "")} for c in defs],
           "_family": td.family, "_essential": [c.get("name") for c in defs if c.get("essential", True)]}
    if svc.platform_version:
        rev["platformVersion"] = svc.platform_version
    if svc.network_configuration:
        rev["networkConfiguration"] = svc.network_configuration
    backend._ext_revisions[arn] = rev
    return rev


def _new_deployment(st, t, td_arn):
    svc = st.service
    for d in st.deployments:
        d["status"] = "ACTIVE"
    dep_id = f"ecs-svc/{_rand_digits()}"
    dep = {"id": dep_id, "status": "PRIMARY", "taskDefinition": td_arn, "desiredCount": svc.desired_count or 0,
           "pendingCount": 0, "runningCount": 0, "failedTasks": 0, "createdAt": _dt(t), "updatedAt": _dt(t),
           "launchType": svc.launch_type, "rolloutState": "IN_PROGRESS",
           "rolloutStateReason": f"ECS deployment {dep_id} in progress."}
    if svc.platform_version:
        dep["platformVersion"] = svc.platform_version
    if svc.network_configuration:
        dep["networkConfiguration"] = svc.network_configuration
    st.deployments.insert(0, dep)
    return dep


def _roll(dep, t, state, reason):
    dep.update(rolloutState=state, rolloutStateReason=reason, updatedAt=_dt(t))


def start_deployment(st, t):
    """A new service revision and service deployment for the service's task definition."""
    backend, svc = st.backend, st.service
    td = backend.describe_task_definition(svc.task_definition)
    svc.task_definition = td.arn
    for sd in st.sds:
        if sd.status in ONGOING:
            if sd.rollout:
                sd.rollout.active = False
            sd.set(t, "STOPPED", "Service deployment stopped: a newer service deployment started.")
    sources = list(dict.fromkeys(x._svc_rev for x in st.live()))
    dep = _new_deployment(st, t, td.arn)
    rev = _new_revision(st, t, td, dep["id"])
    sd = ServiceDeployment(st, t, rev["serviceRevisionArn"], sources)
    st.sds.insert(0, sd)
    backend._ext_sds[sd.arn] = sd
    _launch(st, t, Rollout(st, t, sd, rev, dep, "deploy"))


def _new_task(st, t, ro):
    backend, svc = st.backend, st.service
    cluster = backend.clusters[svc.cluster_name]
    td = backend.describe_task_definition(ro.rev["taskDefinition"])
    task = backend._ext_service_task_class(
        cluster, td, None, None, backend, group=f"service:{svc.name}",
        launch_type=svc.launch_type or "", started_by=ro.dep["id"],
        networking_configuration=svc.network_configuration or None,
        platform_version=svc.platform_version)
    task._svc_init(td, t, ro.dep["id"], ro.rev["serviceRevisionArn"])
    backend.tasks.setdefault(cluster.name, {})[task.task_arn] = task
    st.tasks.append(task)
    return task


def _launch(st, t, ro):
    if not ro.active:
        return
    n = st.service.desired_count or 0
    tasks = [_new_task(st, t, ro) for _ in range(n)]
    ro.waves += 1
    if tasks:
        st.event(t, f"has started {n} tasks: " + " ".join(f"(task {x.id})" for x in tasks) + ".")
    st.at(t + 0.4 * ro.seconds, _wave_up, ro, tasks)


def _wave_up(st, t, ro, tasks):
    if not ro.active:
        return
    mode = ro.rule and tasks and ro.rule["mode"]  # no task (desiredCount 0): nothing can fail
    if mode == "CannotPullContainerError":
        _fail(st, t, ro, tasks)
        return
    for x in tasks:
        if not x._svc_stop:
            x._svc_run(t)
    if mode:
        st.at(t + 0.2 * ro.seconds, _fail, ro, tasks)
    else:
        st.at(max(t, ro.t0 + 0.6 * ro.seconds), _cleanup, ro)


def _stop(task, t, info):
    if task._svc_stop:
        return
    task._svc_stop = info
    task._svc_t["stopped"] = t
    task._status = "STOPPED"


def _failure_info(ro, task):
    rule, names = ro.rule, [c.name for c in task.containers]
    image = next((c.image for c in task.containers if c.name == rule["container"]), "")
    if rule["mode"] == "CannotPullContainerError":
        reason = ("CannotPullContainerError: pull image manifest has been retried 7 time(s): "
                  f"failed to resolve ref {image}: {image}: not found")
        return {"stopCode": "TaskFailedToStart", "stoppedReason": rule.get("reason", reason),
                "exitCodes": {}, "reasons": {rule["container"]: reason}, "never_ran": True}
    if rule["mode"] == "EssentialContainerExited":
        codes = {n: 143 for n in names}
        codes[rule["container"]] = rule.get("exitCode", 1)
        return {"stopCode": "EssentialContainerExited",
                "stoppedReason": rule.get("reason", "Essential container in task exited"),
                "exitCodes": codes, "reasons": {}}
    return {"stopCode": "ServiceSchedulerInitiated",
            "stoppedReason": rule.get("reason", "Task failed container health checks"),
            "exitCodes": {n: rule.get("exitCode", 143) for n in names}, "reasons": {},
            "unhealthy": rule["container"]}


def _fail(st, t, ro, tasks):
    if not ro.active:
        return
    failed = [x for x in tasks if not x._svc_stop]
    for x in failed:
        _stop(x, t, _failure_info(ro, x))
        if ro.rule["mode"] == "HealthCheckFailed":
            st.event(t, f"(task {x.id}) failed container health checks.")
    _prune(st)
    ro.failures += len(failed)
    ro.dep["failedTasks"] += len(failed)
    ro.dep["updatedAt"] = _dt(t)
    sd, cb = ro.sd, ro.sd.config["deploymentCircuitBreaker"]
    if cb.get("enable"):
        sd.cb["failureCount"] += len(failed)
        if sd.cb["failureCount"] >= sd.cb["threshold"]:
            _trip(st, t, ro)
            return
    elif ro.waves == 3:
        st.event(t, "is unable to consistently start tasks successfully. For more information, "
                    "see the Troubleshooting section of the Amazon ECS Developer Guide.")
    w = max(0.4 * ro.seconds, 0.05)
    st.at(t + min(w * 2 ** min(ro.waves - 1, 16), max(w, 30.0)), _launch, ro)


def _prune(st):
    stopped = [x for x in st.tasks if x._svc_stop]
    for x in stopped[:-MAX_STOPPED] if len(stopped) > MAX_STOPPED else []:
        st.tasks.remove(x)
        st.backend.tasks.get(st.service.cluster_name, {}).pop(x.task_arn, None)


def _trip(st, t, ro):
    sd = ro.sd
    ro.active = False
    sd.cb["status"] = "TRIGGERED"
    _roll(ro.dep, t, "FAILED", CB_REASON)
    st.event(t, f"(deployment {ro.dep['id']}) deployment failed: tasks failed to start.")
    if ro.kind == "rollback":
        sd.set(t, "ROLLBACK_FAILED", CB_REASON)
    elif sd.config["deploymentCircuitBreaker"].get("rollback") and st.last_good:
        _begin_rollback(st, t, sd, CB_REASON, "Circuit breaker triggered a rollback to the last completed deployment.")
    else:
        sd.set(t, "STOPPED", CB_REASON)


def _begin_rollback(st, t, sd, status_reason, rollback_reason):
    rev_arn, dep_id = st.last_good or (sd.sources[0], None)
    sd.set(t, "ROLLBACK_REQUESTED", status_reason)
    sd.rollback = {"reason": rollback_reason, "startedAt": t, "serviceRevisionArn": rev_arn}
    if dep_id:
        st.event(t, f"rolling back to deployment {dep_id}.")
    seconds = sd.rollout.seconds if sd.rollout else _config["seconds"]
    st.at(t + 0.1 * seconds, _rollback_go, sd)


def _rollback_go(st, t, sd):
    if sd.status != "ROLLBACK_REQUESTED":
        return
    sd.set(t, "ROLLBACK_IN_PROGRESS")
    sd.stage = "SCALE_UP"
    rev = st.backend._ext_revisions[sd.rollback["serviceRevisionArn"]]
    st.service.task_definition = rev["taskDefinition"]
    dep = _new_deployment(st, t, rev["taskDefinition"])
    _launch(st, t, Rollout(st, t, sd, rev, dep, "rollback"))


def _cleanup(st, t, ro):
    if not ro.active:
        return
    others = st.live(lambda x: x._svc_dep != ro.dep["id"])
    running = [x for x in others if not x._svc_pending]
    for x in others:
        _stop(x, t, {"stopCode": "ServiceSchedulerInitiated",
                     "stoppedReason": f"Scaling activity initiated by (deployment {ro.dep['id']})",
                     "exitCodes": {c.name: 0 for c in x.containers} if not x._svc_pending else {},
                     "reasons": {}, "never_ran": x._svc_pending})
    if running:
        st.event(t, f"has stopped {len(running)} running tasks: " + " ".join(f"(task {x.id})" for x in running) + ".")
    _prune(st)
    st.deployments[:] = [d for d in st.deployments if d is ro.dep]
    ro.sd.stage = "CLEAN_UP"
    ro.sd.updated = t
    st.at(max(t, ro.t0 + ro.seconds), _steady, ro)


def _steady(st, t, ro):
    if not ro.active:
        return
    ro.active = False
    _roll(ro.dep, t, "COMPLETED", f"ECS deployment {ro.dep['id']} completed.")
    ro.sd.cb["status"] = "MONITORING_COMPLETE" if ro.sd.cb["status"] == "MONITORING" else ro.sd.cb["status"]
    if ro.sd.alarms["status"] == "MONITORING":
        ro.sd.alarms["status"] = "MONITORING_COMPLETE"
    ro.sd.set(t, "ROLLBACK_SUCCESSFUL" if ro.kind == "rollback" else "SUCCESSFUL")
    st.last_good = (ro.rev["serviceRevisionArn"], ro.dep["id"])
    st.event(t, f"(deployment {ro.dep['id']}) deployment completed.")
    st.event(t, "has reached a steady state.")


def scale(st, t):
    """desiredCount changed without a new deployment: start or stop tasks of the PRIMARY."""
    if not st.sds or st.sds[0].status in ONGOING or not st.deployments:
        return  # an ongoing rollout's next wave uses the new count
    dep, want = st.deployments[0], st.service.desired_count or 0
    rev = st.backend._ext_revisions.get(st.sds[0].rollback["serviceRevisionArn"] if st.sds[0].rollback
                                        and st.sds[0].status == "ROLLBACK_SUCCESSFUL" else st.sds[0].target)
    mine = st.live(lambda x: x._svc_dep == dep["id"])
    if len(mine) > want:
        extra = mine[want:]
        for x in extra:
            _stop(x, t, {"stopCode": "ServiceSchedulerInitiated",
                         "stoppedReason": f"Scaling activity initiated by (deployment {dep['id']})",
                         "exitCodes": {c.name: 0 for c in x.containers}, "reasons": {}})
        st.event(t, f"has stopped {len(extra)} running tasks: " + " ".join(f"(task {x.id})" for x in extra) + ".")
        st.event(t, "has reached a steady state.")
    elif len(mine) < want and rev is not None:
        ro = Rollout(st, t, st.sds[0], rev, dep, "scale")
        ro.sd.rollout = None
        tasks = [_new_task(st, t, ro) for _ in range(want - len(mine))]
        st.event(t, f"has started {len(tasks)} tasks: " + " ".join(f"(task {x.id})" for x in tasks) + ".")

        def up(st, t, tasks):
            for x in tasks:
                if not x._svc_stop:
                    x._svc_run(t)
            st.event(t, "has reached a steady state.")

        st.at(t + 0.4 * ro.seconds, up, tasks)


def error(code, message):
    """An ECS error as moto serialises it (the service comes from the class's module)."""
    from moto.ecs.exceptions import ECSException

    return ECSException(code, message)


def _aborted(st, t, sd):
    """ABORT done: the deployment launches nothing more; its tasks not yet running stop."""
    if sd.status != "STOP_REQUESTED":
        return
    sd.set(t, "STOPPED")
    dep_id = sd.rollout.dep["id"] if sd.rollout else None
    for x in st.live(lambda x: x._svc_pending and x._svc_dep == dep_id):
        _stop(x, t, {"stopCode": "ServiceSchedulerInitiated", "stoppedReason": "Service deployment stopped",
                     "exitCodes": {}, "reasons": {}, "never_ran": True})


def stop_deployment(st, t, sd, stop_type):
    if sd.status not in ONGOING:
        raise error("ConflictException", f"The service deployment is {sd.status} and cannot be stopped.")
    if sd.status.startswith("ROLLBACK") or sd.status == "STOP_REQUESTED":
        return
    ro = sd.rollout
    if ro:
        ro.active = False
        _roll(ro.dep, t, "FAILED", f"ECS deployment {ro.dep['id']} stopped.")
    if stop_type == "ABORT":
        sd.set(t, "STOP_REQUESTED", "Service deployment stopped by a StopServiceDeployment request.")
        st.at(t + 0.1 * (ro.seconds if ro else _config["seconds"]), _aborted, sd)
        return
    if not st.last_good and not sd.sources:
        raise error("InvalidParameterException", "The service deployment has no service revision to roll back to.")
    _begin_rollback(st, t, sd, "Service deployment rolled back by a StopServiceDeployment request.",
                    "A StopServiceDeployment request with stopType ROLLBACK.")
