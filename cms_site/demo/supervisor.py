"""A small process supervisor for `manage.py rundev` (development only).

It starts each child, restarts any child that exits (after a pause that grows while the
child keeps dying at once), and stops them all on request. A crashed worker is a restart,
not an outage. Production does the same with systemd (`Restart=always`, deploy/*.service).
"""

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    next_start_at: float = 0.0
    quick_exits: int = 0
    restarts: int = 0
    history: list[int] = field(default_factory=list)  # pids, oldest first


def _group_kill(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # nothing left in its group


class Supervisor:
    """Keeps `children` ({name: argv}) running until `stop()`."""

    def __init__(
        self, children: dict[str, list[str]], *, env=None, cwd=None, out=None, stable_after=30.0, max_pause=30.0
    ):
        self.children = [Child(name, list(argv)) for name, argv in children.items()]
        self.env = env
        self.cwd = cwd
        self.out = out or sys.stdout
        self.stable_after = stable_after
        self.max_pause = max_pause
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def child(self, name: str) -> Child:
        return next(child for child in self.children if child.name == name)

    def _start(self, child: Child) -> None:
        # Its own session, so one Ctrl-C in the terminal reaches only us; we stop the children.
        child.process = subprocess.Popen(child.argv, env=self.env, cwd=self.cwd, start_new_session=True)  # noqa: S603 - fixed argv
        child.started_at = time.monotonic()
        child.history.append(child.process.pid)

    def check(self) -> None:
        """Start what is due, notice what exited and schedule its restart."""
        with self._lock:
            if self.stopping.is_set():
                return
            now = time.monotonic()
            for child in self.children:
                if child.process is None:
                    if now >= child.next_start_at:
                        self._start(child)
                    continue
                code = child.process.poll()
                if code is None:
                    continue
                _group_kill(child.process.pid)  # what it left behind (a dead worker's pool and beat)
                ran = now - child.started_at
                child.quick_exits = 0 if ran >= self.stable_after else child.quick_exits + 1
                pause = min(self.max_pause, 0.5 * 2**child.quick_exits)
                child.process = None
                child.next_start_at = now + pause
                child.restarts += 1
                self.out.write(f"[rundev] {child.name} exited with {code}; restarting in {pause:.1f} s\n")
                self.out.flush()

    def run(self, *, interval: float = 0.5) -> None:
        while not self.stopping.is_set():
            self.check()
            self.stopping.wait(interval)

    def stop(self, *, timeout: float = 15.0) -> None:
        """SIGTERM every child (Celery then shuts down warmly), SIGKILL what is left."""
        with self._lock:
            self.stopping.set()
            running = [child.process for child in self.children if child.process and child.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _group_kill(process.pid)
                process.wait()
