"""How the containers source talks to a container engine: GET requests of the Docker API (and
podman's libpod API), answered as JSON or as a stream of JSON lines.

A local engine (``unix://``) is asked by hand, with the standard library: ``import docker``
(requests, urllib3, the SDK's models) costs 70-150 ms and as much again to tear down at exit,
half of a first ``debugtui snapshot`` of the containers. Each request is an HTTP/1.0 GET on a
fresh connection to the socket (connecting costs microseconds), so the engine ends every
answer by closing the connection: a body is everything up to EOF, never chunked, and a
stream ends when the engine ends it or we close the socket.

Any other host (``tcp://`` with or without TLS, ``ssh://``, ``npipe://``) goes through the
docker SDK's transport, which knows their settings; :class:`SdkEngine` asks it the same
requests and answers in the same shapes.

Failures: an HTTP error status is an :class:`EngineError` (:class:`EngineNotFound` for 404)
with the engine's own message; a connection that cannot be made, times out or is cut is
the ``OSError`` it is (``requests``' exceptions are ``OSError`` too), for the source's
``explain`` to turn into a message and a hint.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, BinaryIO
from urllib.parse import quote, urlencode

MINIMUM_API_VERSION = "1.24"
"""The oldest Docker API version asked for until the engine says its own (podman 4 says
1.41; every engine answers ``/_ping`` at any version)."""
NEWEST_API_VERSION = "1.45"
"""The newest version the requests here were written against (what docker SDK 7 speaks)."""
_MAX_LINE = 65536
DEFAULT_SOCKETS = ("/var/run/docker.sock", "/run/podman/podman.sock")
"""Where an engine listens when ``DOCKER_HOST`` says nothing: Docker's, then podman's."""


def default_host(env: Mapping[str, str] | None = None) -> str | None:
    """The engine address when none is configured: ``DOCKER_HOST``, else the first of
    :data:`DEFAULT_SOCKETS` that exists; None without either."""
    env = os.environ if env is None else env
    if env.get("DOCKER_HOST"):
        return env["DOCKER_HOST"]
    for sock in DEFAULT_SOCKETS:
        if os.path.exists(sock):
            return f"unix://{sock}"
    return None


def engine_from_ping(headers: Mapping[str, str]) -> tuple[str, str, bool] | None:
    """(API version, engine name, is podman) from ``/_ping``'s headers (lowercase names);
    None when they do not say (a proxy in between, an engine that sends no ``Server``)."""
    api_version = headers.get("api-version")
    match = re.match(r"(Libpod|Docker)/(\S+)", headers.get("server") or "")
    if not api_version or match is None:
        return None
    podman = match.group(1) == "Libpod"
    return api_version, f"{'Podman' if podman else 'Docker'} Engine {match.group(2)}", podman


def format_engine_time(ns: int) -> str:
    """An engine timestamp (RFC 3339, nanoseconds, ``Z``) for ``ns`` since the epoch."""
    seconds, nanos = divmod(ns, 1_000_000_000)
    return f"{datetime.fromtimestamp(seconds, timezone.utc):%Y-%m-%dT%H:%M:%S}.{nanos:09d}Z"


def events_query(since_s: int, until_ns: int, *, podman: bool) -> dict[str, str]:
    """The ``/events`` query for container events from ``since_s`` to the present, which
    the two engines are told differently: dockerd ends the answer at ``until``; podman
    answers nothing when given ``until`` and ends the answer after its replay when asked
    ``stream=false`` (which dockerd does not know)."""
    params = {"since": str(since_s), "filters": json.dumps({"type": ["container"]})}
    if podman:
        params["stream"] = "false"
    else:
        seconds, nanos = divmod(until_ns, 1_000_000_000)
        params["until"] = f"{seconds}.{nanos:09d}"
    return params


def version_key(version: str) -> tuple[int, ...]:
    """``1.41`` -> (1, 41), for comparing API versions; junk sorts first."""
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (0,)


def agreed_version(engine_version: str) -> str:
    """The API version to ask in: the engine's, at most :data:`NEWEST_API_VERSION`."""
    return min(engine_version, NEWEST_API_VERSION, key=version_key)


class EngineError(Exception):
    """The engine answered with an HTTP error status."""

    def __init__(self, status: int, explanation: str) -> None:
        super().__init__(f"{status}: {explanation}")
        self.status = status
        self.explanation = explanation

    def is_server_error(self) -> bool:
        return 500 <= self.status < 600


class EngineNotFound(EngineError):
    """404: no such container (or endpoint)."""


class Answer:
    """One answer of the engine: status, headers (lowercase names), then its body, read whole
    or line by line. ``close`` ends a stream that is still coming."""

    def __init__(self, status: int, headers: Mapping[str, str], body: BinaryIO, closer: Any):
        self.status = status
        self.headers = headers
        self._body = body
        self._closer = closer

    def read(self) -> bytes:
        try:
            return self._body.read()
        finally:
            self.close()
            self._body.close()

    def lines(self) -> Iterator[bytes]:
        """The body's non-empty lines as they come (each a JSON document on these engines),
        until its end or until another thread calls ``close``."""
        try:
            for line in self._body:
                if line.strip():
                    yield line
        finally:
            self._body.close()

    def close(self) -> None:
        """Stop the answer; safe from another thread while one reads it, and twice."""
        self._closer.close()


def raise_for_status(answer: Answer) -> None:
    if answer.status < 400:
        return
    body = answer.read()
    try:
        found = json.loads(body)
        message = str(found.get("message") or found) if isinstance(found, dict) else str(found)
    except ValueError:
        message = body.decode("utf-8", errors="replace").strip() or "no message"
    raise (EngineNotFound if answer.status == 404 else EngineError)(answer.status, message)


class Engine:
    """The requests the containers source makes, over some transport (see subclasses)."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.api_version = MINIMUM_API_VERSION

    def open(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        versioned: bool = True,
        timeout_s: float | None = None,
    ) -> Answer:
        """GET ``path`` (below ``/v<api_version>`` unless not ``versioned``): the answer with
        its body still to read, whatever its status."""
        raise NotImplementedError

    def get_json(
        self, path: str, params: Mapping[str, str] | None = None, *, versioned: bool = True
    ) -> Any:
        """The decoded JSON answer; EngineError for an error status, ValueError for a body
        that is not JSON (podman answers stats of a stopped container with nothing)."""
        answer = self.open(path, params, versioned=versioned)
        raise_for_status(answer)
        return json.loads(answer.read())

    def ping(self) -> Mapping[str, str]:
        """``/_ping``'s headers (lowercase names): the engine and API version, cheaply."""
        answer = self.open("/_ping", versioned=False)
        raise_for_status(answer)
        answer.read()
        return answer.headers

    def target(self, path: str, params: Mapping[str, str] | None, versioned: bool) -> str:
        """The request target of ``path`` with ``params``, as sent: what identifies a GET."""
        target = quote(f"/v{self.api_version}{path}" if versioned else path)
        return f"{target}?{urlencode(params)}" if params else target

    def close(self) -> None:
        """Release pooled connections (the local engine keeps none)."""


class LocalEngine(Engine):
    """An engine on a unix socket, asked with the standard library (see the module doc)."""

    def __init__(self, socket_path: str, timeout_s: float) -> None:
        super().__init__(timeout_s)
        self.socket_path = socket_path

    def open(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        versioned: bool = True,
        timeout_s: float | None = None,
    ) -> Answer:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout_s if timeout_s is None else timeout_s)
            sock.connect(self.socket_path)
            request = (
                f"GET {self.target(path, params, versioned)} HTTP/1.0\r\n"
                "Host: docker\r\nUser-Agent: debugtui\r\n\r\n"
            )
            sock.sendall(request.encode("ascii"))
            body = sock.makefile("rb")
            status_line = body.readline(_MAX_LINE)
            if not status_line:
                raise ConnectionResetError("the engine closed the connection without answering")
            parts = status_line.split(None, 2)
            if len(parts) < 2 or not parts[1].isdigit():
                raise ConnectionError(f"not an HTTP answer: {status_line[:80]!r}")
            headers: dict[str, str] = {}
            while True:
                line = body.readline(_MAX_LINE)
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
        except BaseException:
            sock.close()
            raise
        return Answer(int(parts[1]), headers, body, _Hangup(sock))


class _Hangup:
    """Closes a socket another thread may be blocked reading: ``shutdown`` wakes that read
    (it sees the end of the answer), where ``close`` alone would leave the descriptor open
    for the file reading it."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def close(self) -> None:
        with contextlib.suppress(OSError):  # already shut down, or the engine hung up first
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()


class SdkEngine(Engine):
    """An engine reached through the docker SDK's transport (TCP, TLS, SSH, named pipes)."""

    def __init__(self, host: str, timeout_s: float, pool_size: int) -> None:
        super().__init__(timeout_s)
        import docker

        tls = None
        if not host.startswith(("unix://", "npipe://", "ssh://")):
            tls = docker.utils.kwargs_from_env().get("tls")
        self._api = docker.APIClient(
            base_url=host,
            version=MINIMUM_API_VERSION,
            timeout=timeout_s,
            max_pool_size=pool_size,
            tls=tls or False,
        )

    def open(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        versioned: bool = True,
        timeout_s: float | None = None,
    ) -> Answer:
        api = self._api
        response = api._get(
            api.base_url + self.target(path, None, versioned),
            params=dict(params or {}),
            stream=True,
            timeout=self.timeout_s if timeout_s is None else timeout_s,
        )
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Answer(response.status_code, headers, _RawBody(response), response)

    def close(self) -> None:
        self._api.close()


class _RawBody:
    """A requests response's body as a file: read whole or iterated by line."""

    def __init__(self, response: Any) -> None:
        self._response = response

    def read(self) -> bytes:
        return bytes(self._response.content)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._response.iter_lines())

    def close(self) -> None:
        self._response.close()
