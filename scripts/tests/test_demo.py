"""scripts/demo, interrupted or killed mid-run, leaves nothing behind.

    .venv/bin/python scripts/tests/test_demo.py      # plain asserts, no pytest needed

Each case runs scripts/demo (one stage and its prerequisites) with its own DEMO_RUN_ID, which
every process the demo starts carries in its environment (the emulator's task processes get it
through the runner rule), and its own TMPDIR. When a line of the demo's output shows the run is
where the case wants it, the case interrupts it, then checks: the exit code and the summary
naming the stage; no process left with the run's DEMO_RUN_ID; the demo's temporary directory
gone; PostgreSQL's and the emulator's ports closed; the database password never printed.

- Ctrl-C: SIGINT to the demo's process group, as a terminal sends it, while the migration runs
  as a one-off task (DEMO_PAUSE_MIGRATION holds the task's process there).
- SIGTERM to the demo's process alone, as `kill PID` sends it, once the app is started (bash
  runs its trap when the command in the foreground ends: here a probe of 3 seconds).
- SIGKILL to the demo's process alone: nothing can run in the demo then; its reaper (a process
  it starts that outlives it) stops what the demo started and removes the directory.
"""

import os
import pathlib
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
SETUP_TIMEOUT = 600  # seconds for the demo to reach the marker (a cold build may run first)


def marked(run_id: str) -> list:
    """PIDs of live processes whose environment has DEMO_RUN_ID=run_id (not zombies)."""
    needle = f"DEMO_RUN_ID={run_id}".encode()
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
        except OSError:
            pass
    return found


def describe(pids: list) -> str:
    out = []
    for pid in pids:
        try:
            cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            out.append(f"{pid}: {cmdline.decode(errors='replace')}")
        except OSError:
            out.append(f"{pid}: (gone)")
    return "\n".join(out)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def run_and_interrupt(stage: str, marker: str, how: str, extra_env=None) -> None:
    run_id = f"test-{how}-{os.getpid()}-{time.monotonic_ns()}"
    with tempfile.TemporaryDirectory(prefix="demo-test-") as tmp:
        os.chmod(tmp, 0o711)  # as /tmp is for PostgreSQL's user, when the demo runs as root
        env = dict(os.environ, DEMO_RUN_ID=run_id, TMPDIR=tmp, **(extra_env or {}))
        demo = subprocess.Popen([str(ROOT / "scripts/demo"), "--stage", stage], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        output = b""
        sel = selectors.DefaultSelector()
        sel.register(demo.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + SETUP_TIMEOUT
        password = None
        while marker.encode() not in output:
            assert time.monotonic() < deadline, f"no {marker!r} within {SETUP_TIMEOUT}s:\n{output.decode()}"
            if sel.select(timeout=1):
                chunk = os.read(demo.stdout.fileno(), 65536)
                assert chunk, f"the demo ended before {marker!r} (exit {demo.wait()}):\n{output.decode()}"
                output += chunk
        # What is alive now, to check it is gone afterwards.
        work = [p for p in pathlib.Path(tmp).iterdir() if p.is_dir()]
        assert len(work) == 1, f"expected the demo's one temporary directory in {tmp}: {work}"
        password = (work[0] / "db.password").read_text().strip()
        alive = marked(run_id)
        assert len(alive) >= 3, f"expected the emulator, PostgreSQL and more: {describe(alive)}"
        pg_port = int(re.search(rb"PostgreSQL [\d.]+ on 127\.0\.0\.1:(\d+)", output).group(1))
        emulator_port = int((work[0] / "port").read_text())
        assert port_open(pg_port) and port_open(emulator_port)

        if how == "sigint":
            os.killpg(demo.pid, signal.SIGINT)
        elif how == "sigterm":
            os.kill(demo.pid, signal.SIGTERM)
        else:
            os.kill(demo.pid, signal.SIGKILL)
        rest, _ = demo.communicate(timeout=120)
        output += rest
        text = output.decode(errors="replace")
        want = {"sigint": 130, "sigterm": 143, "sigkill": -signal.SIGKILL}[how]
        assert demo.returncode == want, f"exit {demo.returncode}, not {want}:\n{text}"
        if how != "sigkill":
            assert re.search(rf"demo: failed .*\(exit {want}\)", text), text
            assert f"interrupted by SIG{how[3:].upper()}" in text, text
            left = marked(run_id)
        else:
            # Only the reaper can clean up now: wait for it (it polls every half second and
            # gives processes 3 seconds between SIGTERM and SIGKILL).
            end = time.monotonic() + 30
            while ((left := marked(run_id)) or work[0].exists()) and time.monotonic() < end:
                time.sleep(0.2)
        assert not left, f"{how}: processes left behind:\n{describe(left)}\n{text}"
        assert not work[0].exists(), f"{how}: {work[0]} was not removed"
        assert not port_open(pg_port), f"{how}: PostgreSQL still listens on {pg_port}"
        assert not port_open(emulator_port), f"{how}: the emulator still listens on {emulator_port}"
        assert password not in text, f"{how}: the database password was printed"
        print(f"ok: {how} at {marker!r}: exit {demo.returncode}, {len(alive)} processes stopped, "
              "directory removed, ports closed")


def test_ctrl_c_during_the_migration():
    run_and_interrupt("migrate", "applying 001_create_orders.sql", "sigint",
                      {"DEMO_PAUSE_MIGRATION": "120"})


def test_sigterm_once_the_app_runs():
    run_and_interrupt("probe-old-schema", "the app (version", "sigterm")


def test_sigkill_once_the_app_runs():
    run_and_interrupt("probe-old-schema", "the app (version", "sigkill")


if __name__ == "__main__":
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_")]
    only = sys.argv[1:]
    chosen = [t for t in tests if not only or any(o in t.__name__ for o in only)]
    assert chosen, f"no test matches {only}: {[t.__name__ for t in tests]}"
    for t in chosen:
        t()
    print("scripts/tests/test_demo.py: all passed")
