"""A real, throwaway podman serving the Docker API, in its own temp directory.

The tests' fixtures (tests/fixtures/podman.py), the demo (``debugtui demo``) and the
benchmarks all launch their engines with this module. :func:`launch` runs ``podman system
service`` on a unix socket with its own ``containers.conf`` and ``storage.conf`` (vfs
storage, runroot, tmp dir and network config all under one temp directory), so nothing
reads or changes the machine's podman state. No registry is reachable, so the image is built
locally: a tar of busybox-static with its applet links, ``podman import``-ed.

:meth:`PodmanEngine.start_containers` starts the containers a responder would want to hear
about (the tests' scenario):

- ``running``: ``sleep 3600`` under a 64 MiB memory limit;
- ``busy``: a shell spinning under ``--cpus 0.05``, so its CPU % is above zero at a twentieth
  of a core;
- ``exited``: exited with code 3;
- ``crashloop``: ``echo boom; sleep 1; exit 1`` with restart policy ``on-failure:25``.
  podman 4.3 restarts it itself (from conmon's cleanup process, no back-off), so its restart
  count really climbs. The bound and the one-second sleep keep it from costing CPU for the
  whole test session: it loops for about half a minute, then stays exited with code 1 and a
  restart count of 25;
- ``oom``: ``dd`` with a 64 MiB buffer under an 8 MiB limit, killed by the kernel's OOM
  killer. podman 4.3 with runc on cgroup v1 reports exit code 137 with ``OOMKilled`` false
  and no ``oom`` event: exactly why the source cannot call 137 an OOM;
- ``killed``: ``sleep 3600`` killed with SIGKILL (exit code 137, no OOM);
- ``unhealthy``: a health check that always fails. Scheduled health checks need systemd
  timers, which this machine (no systemd as PID 1) does not have, so the interval is disabled
  and the check is run once with ``podman healthcheck run``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

IMAGE = "localhost/debugtui-busybox:test"
BUSYBOX = Path("/bin/busybox")
CRASH_LOOP_RETRIES = 25
"""How many times podman restarts the crash-looping container before leaving it exited."""
START_TIMEOUT_S = 60.0
"""How long the service and the containers may take to reach their state on a slow machine."""


@dataclass(frozen=True)
class ContainerNames:
    """The session's containers, by what they show."""

    running: str = "dt-running"
    busy: str = "dt-busy"
    exited: str = "dt-exited"
    crashloop: str = "dt-crashloop"
    oom: str = "dt-oom"
    killed: str = "dt-killed"
    unhealthy: str = "dt-unhealthy"


class PodmanError(RuntimeError):
    """A podman command that failed; the message carries its output."""


class PodmanEngine:
    """One podman API service and its storage; tests may stop and start the service."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.socket_path = root / "podman.sock"
        self.host = f"unix://{self.socket_path}"
        self.image = IMAGE
        self.names = ContainerNames()
        self.memory_limit = 64 * 1024 * 1024
        """The ``running`` container's memory limit in bytes."""
        self.log_path = root / "service.log"
        self._service: subprocess.Popen[bytes] | None = None
        self.env: Mapping[str, str] = self._write_config()
        """Environment for podman commands against this storage (``CONTAINERS_CONF`` ...)."""

    # -- configuration ------------------------------------------------------------------

    def _write_config(self) -> dict[str, str]:
        storage = self.root / "storage"
        containers_conf = self.root / "containers.conf"
        storage_conf = self.root / "storage.conf"
        containers_conf.write_text(
            "[containers]\n"
            'netns = "none"\n'
            'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n'
            "[engine]\n"
            'runtime = "runc"\n'
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
            # file locks under tmp_dir: the default shm segment (/libpod_lock) is shared by
            # every root podman on the machine, and a first start frees all its locks
            'lock_type = "file"\n'
            f'tmp_dir = "{self.root / "tmp"}"\n'
            "[network]\n"
            f'network_config_dir = "{self.root / "networks"}"\n'
        )
        storage_conf.write_text(
            "[storage]\n"
            'driver = "vfs"\n'
            f'graphroot = "{storage / "root"}"\n'
            f'runroot = "{storage / "run"}"\n'
        )
        env = dict(os.environ)
        env.pop("DOCKER_HOST", None)
        env["CONTAINERS_CONF"] = str(containers_conf)
        env["CONTAINERS_STORAGE_CONF"] = str(storage_conf)
        return env

    # -- the podman CLI -----------------------------------------------------------------

    def podman(self, *args: str, check: bool = True, timeout: float = 60.0) -> str:
        """Run ``podman ARGS`` against this storage; stdout, or PodmanError if it fails."""
        proc = subprocess.run(
            ["podman", *args],
            env=dict(self.env),
            cwd=self.root,  # see start_service
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if check and proc.returncode != 0:
            raise PodmanError(
                f"podman {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"
            )
        return proc.stdout

    def inspect(self, name: str) -> dict[str, object]:
        """``podman inspect`` of one container."""
        return json.loads(self.podman("inspect", "--type", "container", name))[0]

    def run_container(self, name: str, *command: str, options: tuple[str, ...] = ()) -> str:
        """Start a detached container from the test image with no network; its id."""
        return self.podman(
            "run", "-d", "--name", name, "--network", "none", *options, self.image, *command
        ).strip()

    def remove_container(self, name: str) -> None:
        """Remove a container, retrying: one that is restarting refuses a forced removal."""
        for _ in range(10):
            try:
                self.podman("rm", "-f", "-t", "0", name)
                return
            except PodmanError as exc:
                if "no such container" in str(exc).lower():
                    return
                last = exc
            time.sleep(0.3)
        raise last

    # -- the API service ----------------------------------------------------------------

    @property
    def service_running(self) -> bool:
        return self._service is not None and self._service.poll() is None

    def start_service(self) -> None:
        """Start ``podman system service`` on the socket and wait until it answers."""
        if self.service_running:
            return
        log = self.log_path.open("ab")
        try:
            self._service = subprocess.Popen(
                ["podman", "system", "service", "--time=0", self.host],
                env=dict(self.env),
                # conmon, started beneath it, leaves an empty "oom" file in its working
                # directory when a container is OOM-killed: keep it out of the caller's.
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._service.poll() is not None:
                raise PodmanError(f"podman system service exited:\n{self.log_tail()}")
            if ping(self.socket_path):
                return
            time.sleep(0.05)
        raise PodmanError(f"podman system service did not answer /_ping:\n{self.log_tail()}")

    def stop_service(self) -> None:
        """Stop the service (containers keep running, as they do when the daemon restarts)."""
        service, self._service = self._service, None
        if service is None or service.poll() is not None:
            return
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=20)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait(timeout=10)

    @contextlib.contextmanager
    def service_stopped(self) -> Iterator[None]:
        """The service down for the body of a ``with``, then up again whatever happens."""
        self.stop_service()
        try:
            yield
        finally:
            self.start_service()

    @property
    def events_log(self) -> Path:
        """podman's event log (``events_logger = "file"``): what ``/events`` replays."""
        return self.root / "tmp" / "events" / "events.log"

    def hide_events(self) -> None:
        """Make the engine forget every event so far, as dockerd does when its ring of recent
        events rolls over; ``restore_events`` gives them back. podman opens the log for each
        write, so events written meanwhile go to a fresh log."""
        if self.events_log.exists():
            with self._hidden_events.open("ab") as hidden:
                hidden.write(self.events_log.read_bytes())
            self.events_log.unlink()

    def restore_events(self) -> None:
        """Put hidden events back in front of those written since."""
        if not self._hidden_events.exists():
            return
        merged = self.events_log.with_suffix(".merged")
        current = self.events_log.read_bytes() if self.events_log.exists() else b""
        merged.write_bytes(self._hidden_events.read_bytes() + current)
        merged.replace(self.events_log)
        self._hidden_events.unlink()

    @property
    def _hidden_events(self) -> Path:
        return self.root / "events-hidden.log"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- set-up and tear-down -----------------------------------------------------------

    def import_image(self) -> None:
        """Build the busybox image from the host's busybox-static: no registry needed."""
        tar_path = self.root / "busybox.tar"
        applets = subprocess.run(
            [str(BUSYBOX), "--list"], capture_output=True, text=True, check=True
        ).stdout.split()
        with tarfile.open(tar_path, "w") as tar:
            for directory in ("bin", "tmp", "etc", "proc", "sys", "dev"):
                info = tarfile.TarInfo(directory)
                info.type = tarfile.DIRTYPE
                info.mode = 0o1777 if directory == "tmp" else 0o755
                tar.addfile(info)
            tar.add(str(BUSYBOX), arcname="bin/busybox")
            for applet in sorted(set(applets) - {"busybox"}):
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type = tarfile.SYMTYPE
                link.linkname = "busybox"
                tar.addfile(link)
        self.podman("import", "--change", 'CMD ["/bin/sh"]', str(tar_path), self.image)
        tar_path.unlink()

    def start_crashloop(
        self,
        name: str,
        *,
        message: str = "boom",
        retries: int = CRASH_LOOP_RETRIES,
        pause_s: int = 1,
    ) -> str:
        """A container that prints ``message``, waits ``pause_s`` and exits 1, restarted by
        podman up to ``retries`` times (podman 4.3 restarts it from conmon's cleanup process,
        with no back-off: the pause is what keeps the loop cheap); its id."""
        return self.run_container(
            name,
            "sh",
            "-c",
            f"echo {shlex.quote(message)}; sleep {pause_s}; exit 1",
            options=("--restart", f"on-failure:{retries}"),
        )

    def start_containers(self) -> None:
        """The tests' containers (see the module docstring), each waited into its state."""
        names = self.names
        self.run_container(
            names.running, "sleep", "3600", options=("--memory", str(self.memory_limit))
        )
        self.run_container(
            names.busy, "sh", "-c", "while :; do :; done", options=("--cpus", "0.05")
        )
        self.run_container(names.exited, "sh", "-c", "exit 3")
        self.start_crashloop(names.crashloop)
        self.run_container(
            names.oom,
            "dd",
            "if=/dev/zero",
            "of=/dev/null",
            "bs=64M",
            "count=1",
            options=("--memory", "8m", "--memory-swap", "8m"),
        )
        self.run_container(names.killed, "sleep", "3600")
        self.run_container(
            names.unhealthy,
            "sleep",
            "3600",
            options=(
                "--health-cmd",
                "exit 1",
                "--health-interval",
                "disable",
                "--health-retries",
                "1",
            ),
        )
        self.podman("kill", "--signal", "KILL", names.killed)
        self.podman("healthcheck", "run", names.unhealthy, check=False)
        self._wait_for_states()

    def _wait_for_states(self) -> None:
        """Wait until every container shows what its name promises."""
        names = self.names
        wanted = {
            names.exited: lambda s: s["Status"] == "exited" and s["ExitCode"] == 3,
            names.oom: lambda s: s["Status"] == "exited" and s["ExitCode"] == 137,
            names.killed: lambda s: s["Status"] == "exited" and s["ExitCode"] == 137,
            names.running: lambda s: s["Status"] == "running",
            names.busy: lambda s: s["Status"] == "running",
            names.unhealthy: lambda s: s["Health"]["Status"] == "unhealthy",
        }
        deadline = time.monotonic() + START_TIMEOUT_S
        pending = dict(wanted)
        while pending and time.monotonic() < deadline:
            for name, ok in list(pending.items()):
                with contextlib.suppress(PodmanError, KeyError, IndexError, ValueError):
                    if ok(self.inspect(name)["State"]):
                        del pending[name]
            if pending:
                time.sleep(0.2)
        if pending:
            raise PodmanError(f"containers did not reach their states: {sorted(pending)}")
        while self.restart_count(names.crashloop) < 1:
            if time.monotonic() > deadline:
                raise PodmanError("the crash-looping container was never restarted")
            time.sleep(0.2)

    def restart_count(self, name: str) -> int:
        """The restart count podman reports for a container (0 while it cannot be read)."""
        try:
            return int(self.inspect(name).get("RestartCount", 0))  # type: ignore[call-overload]
        except (PodmanError, ValueError, IndexError):
            return 0

    def teardown(self) -> None:
        """Stop the service, remove every container, unmount leftovers, delete the dir."""
        self.stop_service()
        for _ in range(10):
            proc = subprocess.run(
                ["podman", "rm", "-af", "-t", "0"],
                env=dict(self.env),
                capture_output=True,
                timeout=120,
                stdin=subprocess.DEVNULL,
            )
            if proc.returncode == 0 and not self.podman("ps", "-aq", check=False).strip():
                break
            time.sleep(0.3)
        # conmon starts a `podman container cleanup` when a container exits; one still
        # running would recreate parts of the storage after it is deleted.
        _wait_for_processes_using(self.root)
        _unmount_below(self.root)
        shutil.rmtree(self.root, ignore_errors=True)


def ping(socket_path: Path, timeout: float = 1.0) -> bool:
    """Whether an engine answers ``GET /_ping`` on this unix socket."""
    try:
        conn = UnixHTTPConnection(str(socket_path), timeout)
        try:
            conn.request("GET", "/_ping")
            return conn.getresponse().status == 200
        finally:
            conn.close()
    except OSError:
        return False


class UnixHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP over a unix socket (for the readiness check, without the docker SDK)."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def _wait_for_processes_using(root: Path, timeout_s: float = 15.0) -> None:
    """Wait until no process has ``root`` on its command line (conmon, podman cleanup)."""
    marker = str(root).encode()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        busy = False
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            if cmdline.parent.name == str(os.getpid()):
                continue
            with contextlib.suppress(OSError):
                if marker in cmdline.read_bytes():
                    busy = True
                    break
        if not busy:
            return
        time.sleep(0.1)


def _unmount_below(root: Path) -> None:
    """Lazily unmount anything podman left mounted under ``root`` (shm of a stuck container)."""
    prefix = str(root.resolve()) + "/"
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return
    points = [line.split()[4] for line in lines if len(line.split()) > 4]
    for point in sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)


def missing_requirement() -> str | None:
    """Why podman cannot run here, or None."""
    for tool in ("podman", "runc"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install {tool})"
    if not os.access(BUSYBOX, os.X_OK):
        return f"{BUSYBOX} is missing (apt-get install busybox-static)"
    return None


def launch(root: Path | None = None) -> PodmanEngine:
    """The image imported and the API service answering, under ``root`` (else a new temp
    dir). Call :func:`missing_requirement` first; a failed start removes what it made and
    raises :class:`PodmanError` (or the OSError behind it) with the service's log."""
    if root is None:
        root = Path(tempfile.mkdtemp(prefix="dtpodman-"))
    else:
        root.mkdir(parents=True)
    # Others may reach the socket's directory but not the socket (mode 0600, owned by its
    # user): the tests' permission-denied case connects as ``nobody`` and must be refused.
    root.chmod(0o711)
    engine = PodmanEngine(root)
    try:
        engine.import_image()
        engine.start_service()
    except (PodmanError, OSError, subprocess.SubprocessError) as exc:
        log = engine.log_tail()
        engine.teardown()
        raise PodmanError(f"{exc}\n{log}".strip()) from exc
    return engine
