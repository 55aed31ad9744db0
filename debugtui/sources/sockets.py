"""Who is listening and who is connected: the ``netstat -tulpn`` / ``ss -tanp`` view.

Sockets are where many outages show first: a service that stopped listening, connections
piling up in CLOSE_WAIT to one database, an accept queue full to its backlog, a conntrack
table at its limit. This source lists TCP and UDP sockets (IPv4 and IPv6) with their owning
process, and sums them up by state, by remote host, by local port and by process.

Speed matters on a busy box (8,000 connections must not cost more than twice ``ss``). The
socket table is read the way ``ss`` reads it, from the kernel's sock_diag netlink interface
(binary records, one dump per protocol and family), with owners from one pass over the
/proc/<pid>/fd links. ``psutil.net_connections`` parses /proc/net/tcp as text and alone
costs 1.5-2.5 times ``ss`` at that size, so it is only the fallback where netlink is refused.
Process names and users are looked up once per pid (never per connection) and cached across
collects by (pid, create_time); only the aggregates and a bounded sample of connections are
kept.

Listen queues come with the netlink records (for a listener, the accept queue and the
maximum backlog); ``/proc/net/tcp`` has the current queue but not the backlog, so on the
fallback path the backlog is left unknown, with a warning.
"""

from __future__ import annotations

import dataclasses
import heapq
import os
import socket
import struct
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from debugtui.config import Config
from debugtui.sources.base import Source, SourceError, Table

TOP = 10
"""Rows kept per grouping (remote hosts, local ports, processes)."""

CONNECTIONS_KEPT = 200
"""Individual connections kept, unusual states first; the counts cover them all."""

HIDDEN_WARNING = "some processes hidden: run as root to see every process"

_PROC = Path("/proc")
_CONNTRACK = Path("/proc/sys/net/netfilter")
_QUIET_STATES = ("ESTABLISHED", "TIME_WAIT")
"""States that are normal in bulk; connections in any other state are kept first."""


@dataclass(frozen=True)
class Listener:
    """A socket waiting for connections (TCP LISTEN, or an unconnected UDP socket)."""

    proto: str
    """tcp, tcp6, udp or udp6."""
    address: str
    port: int
    pid: int | None
    process: str | None
    """The process name, untrusted text; None when the owner is not visible."""
    user: str | None
    queue: int | None
    """Connections waiting in the accept queue now (TCP only)."""
    backlog: int | None
    """The accept queue's maximum (the listen() backlog, capped by somaxconn)."""


@dataclass(frozen=True)
class Connection:
    proto: str
    local_address: str
    local_port: int
    remote_address: str
    remote_port: int
    state: str
    pid: int | None
    process: str | None


@dataclass(frozen=True)
class RemoteHost:
    address: str
    connections: int
    states: tuple[tuple[str, int], ...]
    """Connections per state, most first."""


@dataclass(frozen=True)
class LocalPort:
    port: int
    connections: int
    states: tuple[tuple[str, int], ...]
    process: str | None
    """The process listening on this port, if any."""


@dataclass(frozen=True)
class ProcessSockets:
    pid: int | None
    """None groups the sockets without a visible owner."""
    process: str | None
    user: str | None
    listening: int
    connections: int
    states: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Conntrack:
    """Fill of the netfilter connection-tracking table; when full, new connections drop."""

    count: int
    max: int

    @property
    def percent(self) -> float:
        return 100.0 * self.count / self.max if self.max else 0.0


@dataclass(frozen=True)
class SocketsData:
    ports: tuple[int, ...]
    """The port filter applied (local or remote port); empty means every socket."""
    total: int
    """Sockets matching the filter, listeners included."""
    scanned: int
    """Sockets on the host before the filter."""
    listeners: tuple[Listener, ...]
    tcp_states: tuple[tuple[str, int], ...]
    """TCP sockets per state, most first (LISTEN included)."""
    udp: int
    remote_hosts: tuple[RemoteHost, ...]
    local_ports: tuple[LocalPort, ...]
    processes: tuple[ProcessSockets, ...]
    connections: tuple[Connection, ...]
    """At most ``limit`` connections (not listeners), unusual states first."""
    hidden: int
    """Sockets whose owner could not be seen (not root); 0 when every owner is visible."""
    conntrack: Conntrack | None
    """None where the host has no conntrack table."""

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for key in ("tcp_states",):
            out[key] = dict(self.tcp_states)
        for group in ("remote_hosts", "local_ports", "processes"):
            for row in out[group]:
                row["states"] = dict(row["states"])
        if self.conntrack is not None:
            out["conntrack"]["percent"] = round(self.conntrack.percent, 1)
        return out

    def tables(self) -> Mapping[str, Table]:
        where = f" on port {', '.join(map(str, self.ports))}" if self.ports else ""
        conntrack = (
            ("conntrack", f"{self.conntrack.count}/{self.conntrack.max}")
            if self.conntrack
            else ("conntrack", "-")
        )
        return {
            "summary": Table(
                columns=("what", "value"),
                rows=(
                    ("sockets", str(self.total)),
                    ("listening", str(len(self.listeners))),
                    ("udp", str(self.udp)),
                    ("hidden owners", str(self.hidden)),
                    conntrack,
                ),
                title=f"Sockets{where}",
            ),
            "listeners": Table(
                columns=("proto", "local address", "queue", "backlog", "pid/program", "user"),
                rows=tuple(
                    (
                        item.proto,
                        _endpoint(item.address, item.port),
                        _opt(item.queue),
                        _opt(item.backlog),
                        _owner(item.pid, item.process),
                        item.user or "-",
                    )
                    for item in self.listeners
                ),
                title=f"Listening{where}",
            ),
            "states": Table(
                columns=("state", "count"),
                rows=tuple((state, str(n)) for state, n in self.tcp_states),
                title=f"TCP states{where}",
            ),
            "remote_hosts": Table(
                columns=("remote host", "connections", "states"),
                rows=tuple(
                    (r.address, str(r.connections), _states(r.states)) for r in self.remote_hosts
                ),
                title=f"Connections by remote host{where}",
            ),
            "local_ports": Table(
                columns=("local port", "connections", "states", "program"),
                rows=tuple(
                    (str(p.port), str(p.connections), _states(p.states), p.process or "-")
                    for p in self.local_ports
                ),
                title=f"Connections by local port{where}",
            ),
            "processes": Table(
                columns=("pid/program", "user", "listening", "connections", "states"),
                rows=tuple(
                    (
                        _owner(p.pid, p.process),
                        p.user or "-",
                        str(p.listening),
                        str(p.connections),
                        _states(p.states),
                    )
                    for p in self.processes
                ),
                title=f"Sockets by process{where}",
            ),
            "connections": Table(
                columns=("proto", "local address", "remote address", "state", "pid/program"),
                rows=tuple(
                    (
                        c.proto,
                        _endpoint(c.local_address, c.local_port),
                        _endpoint(c.remote_address, c.remote_port),
                        c.state,
                        _owner(c.pid, c.process),
                    )
                    for c in self.connections
                ),
                title=f"Connections{where}",
            ),
        }


class SocketsSource(Source):
    """Params: ``port`` (int or list; default ``[sockets] ports``), ``top`` (rows per
    grouping, 10), ``limit`` (connections kept, 200)."""

    name = "sockets"

    def __init__(self, config: Config | None = None) -> None:
        super().__init__(config)
        self._owners = _Owners()

    def _collect(self, params: dict[str, Any]) -> tuple[SocketsData, list[str]]:
        import psutil

        ports = _ports(params.get("port"), self.config.sockets.ports)
        top = int(params.get("top", TOP))
        limit = int(params.get("limit", CONNECTIONS_KEPT))
        raw, queues, warnings = read_sockets(psutil)
        wanted = set(ports)
        sockets = [
            s
            for s in raw
            if not wanted or s.laddr.port in wanted or (s.raddr and s.raddr.port in wanted)
        ]
        owners, denied = self._owners.lookup(psutil, {s.pid for s in sockets if s.pid})
        root = os.geteuid() == 0 if hasattr(os, "geteuid") else True
        hidden = sum(
            1
            for s in sockets
            if s.pid in denied or (s.pid is None and not root and _owned(s.status))
        )
        if hidden:
            warnings.append(f"{HIDDEN_WARNING} ({hidden} sockets without a visible owner)")
        data = _summarise(sockets, owners, queues, ports, len(raw), top, limit, hidden)
        return data, warnings

    def hint_for(self, exc: BaseException) -> str | None:
        if isinstance(exc, (ValueError, TypeError)):
            return "port takes a number or a list of numbers; top and limit take numbers"
        return None


class _Owners:
    """pid -> (name, user), looked up once per pid and cached by (pid, create_time).

    Pid reuse is caught by the create time: a recycled pid is looked up again.
    """

    def __init__(self) -> None:
        self._cache: dict[int, tuple[float, str | None, str | None]] = {}

    def lookup(
        self, psutil: Any, pids: Iterable[int]
    ) -> tuple[dict[int, tuple[str | None, str | None]], set[int]]:
        """Names and users of ``pids``, and the pids whose details were refused."""
        fresh: dict[int, tuple[float, str | None, str | None]] = {}
        denied: set[int] = set()
        for pid in pids:
            try:
                proc = psutil.Process(pid)
                created = proc.create_time()
            except psutil.NoSuchProcess:
                continue
            except psutil.AccessDenied:
                denied.add(pid)
                continue
            cached = self._cache.get(pid)
            if cached is not None and cached[0] == created:
                fresh[pid] = cached
                continue
            name = user = None
            try:
                with proc.oneshot():
                    name = proc.name()
                    user = proc.username()
            except psutil.NoSuchProcess:
                pass
            except psutil.AccessDenied:
                denied.add(pid)
            fresh[pid] = (created, name, user)
        self._cache = fresh
        return {pid: (name, user) for pid, (_, name, user) in fresh.items()}, denied


def _summarise(
    sockets: list[Any],
    owners: Mapping[int, tuple[str | None, str | None]],
    queues: Mapping[tuple[str, int], tuple[int, int | None]],
    ports: tuple[int, ...],
    scanned: int,
    top: int,
    limit: int,
    hidden: int,
) -> SocketsData:
    """One Python pass splits listeners from connections; the groupings are then counted
    by ``Counter`` over plain tuples (C speed), which keeps 8,000 sockets cheap."""
    stream = socket.SOCK_STREAM
    listeners: dict[tuple[str, str, int, int | None], Listener] = {}
    listen_ports: dict[int, int | None] = {}
    listening_by_pid: Counter[int | None] = Counter()
    rows: list[tuple[str, str, int, int | None, Any]] = []
    udp = 0
    for s in sockets:
        tcp = s.type == stream
        if not tcp:
            udp += 1
        if s.status == "LISTEN" if tcp else not s.raddr:
            listeners[(_proto(tcp, s.family), s.laddr.ip, s.laddr.port, s.pid)] = _listener(
                s, tcp, owners, queues
            )
            listening_by_pid[s.pid] += 1
            if tcp:
                listen_ports.setdefault(s.laddr.port, s.pid)
            continue
        rows.append((s.status if tcp else "UDP", s.raddr.ip, s.laddr.port, s.pid, s))

    tcp_states = Counter(row[0] for row in rows if row[0] != "UDP")
    listening_tcp = sum(1 for x in listeners.values() if x.proto.startswith("tcp"))
    if listening_tcp:
        tcp_states["LISTEN"] = listening_tcp
    by_remote = _fold(Counter((row[1], row[0]) for row in rows))
    by_port = _fold(Counter((row[2], row[0]) for row in rows))
    by_pid = _fold(Counter((row[3], row[0]) for row in rows))

    def name_of(pid: int | None) -> str | None:
        return owners.get(pid, (None, None))[0] if pid else None

    remote_hosts = tuple(
        RemoteHost(host, total, _ranked(states)) for host, total, states in _top(by_remote, top)
    )
    local_ports = tuple(
        LocalPort(port, total, _ranked(states), name_of(listen_ports.get(port)))
        for port, total, states in _top(by_port, top)
    )
    empty: dict[str, int] = {}
    process_rows = sorted(
        (
            ProcessSockets(
                pid,
                name_of(pid),
                owners.get(pid, (None, None))[1] if pid else None,
                listening_by_pid[pid],
                sum(by_pid.get(pid, empty).values()),
                _ranked(by_pid.get(pid, empty)),
            )
            for pid in set(by_pid) | set(listening_by_pid)
        ),
        key=lambda p: (-(p.connections + p.listening), p.pid is None, p.pid or 0),
    )
    unusual = [row for row in rows if row[0] not in _QUIET_STATES]
    if len(unusual) < limit:
        unusual.extend(row for row in rows if row[0] in _QUIET_STATES)
    connections = tuple(
        Connection(
            _proto(row[0] != "UDP", row[4].family),
            row[4].laddr.ip,
            row[2],
            row[1],
            row[4].raddr.port,
            row[0],
            row[3],
            name_of(row[3]),
        )
        for row in unusual[:limit]
    )
    return SocketsData(
        ports=ports,
        total=len(sockets),
        scanned=scanned,
        listeners=tuple(sorted(listeners.values(), key=lambda x: (x.port, x.proto, x.address))),
        tcp_states=_ranked(tcp_states),
        udp=udp,
        remote_hosts=remote_hosts,
        local_ports=local_ports,
        processes=tuple(process_rows[:top]),
        connections=connections,
        hidden=hidden,
        conntrack=read_conntrack(),
    )


def _listener(
    s: Any,
    tcp: bool,
    owners: Mapping[int, tuple[str | None, str | None]],
    queues: Mapping[tuple[str, int], tuple[int, int | None]],
) -> Listener:
    name, user = owners.get(s.pid, (None, None)) if s.pid else (None, None)
    queue, backlog = queues.get((s.laddr.ip, s.laddr.port), (None, None)) if tcp else (None, None)
    return Listener(
        _proto(tcp, s.family), s.laddr.ip, s.laddr.port, s.pid, name, user, queue, backlog
    )


def _fold(pairs: Counter[tuple[Any, str]]) -> dict[Any, dict[str, int]]:
    """{(key, state): n} -> {key: {state: n}}; one step per distinct pair, not per socket."""
    out: dict[Any, dict[str, int]] = {}
    for (key, state), n in pairs.items():
        group = out.get(key)
        if group is None:
            out[key] = {state: n}
        else:
            group[state] = n
    return out


def _top(groups: Mapping[Any, dict[str, int]], n: int) -> list[tuple[Any, int, dict[str, int]]]:
    totals = [(key, sum(states.values()), states) for key, states in groups.items()]
    return heapq.nsmallest(n, totals, key=lambda row: (-row[1], str(row[0])))


def _ranked(counts: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _owned(status: str) -> bool:
    """Whether a socket in this state normally has a process (TIME_WAIT belongs to none)."""
    return status != "TIME_WAIT"


def _proto(tcp: bool, family: int) -> str:
    return ("tcp" if tcp else "udp") + ("6" if family == socket.AF_INET6 else "")


def _ports(value: Any, default: tuple[int, ...]) -> tuple[int, ...]:
    if value is None or value == "" or value == ():
        return tuple(default)
    if isinstance(value, (int, str)):
        value = [value]
    ports = tuple(int(v) for v in value)
    for port in ports:
        if not 0 < port < 65536:
            raise SourceError(f"port {port} is out of range", "use a port between 1 and 65535")
    return ports


def read_conntrack(base: Path = _CONNTRACK) -> Conntrack | None:
    """The conntrack table fill, or None where the host has none (module not loaded)."""
    try:
        count = int((base / "nf_conntrack_count").read_text().strip())
        most = int((base / "nf_conntrack_max").read_text().strip())
    except (OSError, ValueError):
        return None
    return Conntrack(count, most)


class Address(NamedTuple):
    ip: str
    port: int


class RawSocket(NamedTuple):
    """One socket as read, the shape of psutil's ``sconn`` so either reader can feed
    :func:`_summarise`; ``raddr`` is ``()`` when there is no remote end."""

    family: int
    type: int
    laddr: Address
    raddr: Address | tuple[()]
    status: str
    pid: int | None


Queues = dict[tuple[str, int], tuple[int, int | None]]
"""(address, port) of a TCP listener -> (current accept queue, max backlog or None)."""


def read_sockets(psutil: Any) -> tuple[list[Any], Queues, list[str]]:
    """Every TCP and UDP socket, the listen queues, and notes on what could not be read.

    The sock_diag netlink reader is the fast path (binary records from the kernel, as ``ss``
    reads them: 8,000 sockets parse in a few ms, where psutil's text parsing of
    /proc/net/tcp costs more than ``ss`` itself). Where netlink is refused (some sandboxes),
    ``psutil.net_connections`` is used instead, with queues from /proc.
    """
    try:
        raw, queues = netlink_sockets(socket_owners())
        return raw, queues, []
    except OSError:
        pass
    try:
        raw = psutil.net_connections(kind="inet")
    except psutil.AccessDenied:
        raise SourceError(
            "listing sockets was refused by the operating system", "run as root"
        ) from None
    queues, note = listen_queues()
    return raw, queues, [note] if note else []


def socket_owners(proc: Path = _PROC) -> dict[int, int]:
    """socket inode -> pid, from the /proc/<pid>/fd links (what ``ss -p`` and psutil do).

    A process whose fd directory cannot be read (another user's, when not root) is skipped:
    its sockets come out without an owner, and are counted as hidden.
    """
    owners: dict[int, int] = {}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        fd_dir = f"{proc}/{entry}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        pid = int(entry)
        for fd in fds:
            try:
                target = os.readlink(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                owners.setdefault(int(target[8:-1]), pid)
    return owners


# The kernel's sock_diag interface (linux/sock_diag.h, linux/inet_diag.h), what ss uses.
_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST = 0x1
_NLM_F_DUMP = 0x300
_NLMSG_ERROR = 2
_NLMSG_DONE = 3
_TCP_LISTEN = 10
_ALL_STATES = 0xFFFFFFFF
_NLMSG_HEADER = struct.Struct("=IHHII")
_DIAG_REQUEST = struct.Struct("=BBBxI48x")
"""inet_diag_req_v2: family, protocol, extensions, pad, states, an empty inet_diag_sockid."""
_DIAG_MSG = struct.Struct("=BBBB2s2s16s16sI8sIIIII")
"""inet_diag_msg: family, state, timer, retrans, sockid (sport, dport, src, dst, if,
cookie), expires, rqueue, wqueue, uid, inode. Ports and addresses are in network order."""
_TCP_STATES = {
    1: "ESTABLISHED",
    2: "SYN_SENT",
    3: "SYN_RECV",
    4: "FIN_WAIT1",
    5: "FIN_WAIT2",
    6: "TIME_WAIT",
    7: "CLOSE",
    8: "CLOSE_WAIT",
    9: "LAST_ACK",
    10: "LISTEN",
    11: "CLOSING",
    12: "SYN_RECV",  # TCP_NEW_SYN_RECV: a request socket, shown as ss and /proc show it
}


def netlink_sockets(owners: Mapping[int, int]) -> tuple[list[RawSocket], Queues]:
    """Every TCP and UDP socket (IPv4 and IPv6) from sock_diag, owners from ``owners``.

    Listen queues ride along: for a listener the kernel reports the accept queue as
    rqueue and the backlog as wqueue. Raises OSError where netlink is refused.
    """
    out: list[RawSocket] = []
    queues: Queues = {}
    ips: dict[bytes, str] = {}
    stream, dgram = socket.SOCK_STREAM, socket.SOCK_DGRAM
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_SOCK_DIAG) as sock:
        sock.settimeout(2.0)
        dumps = (
            (socket.AF_INET, socket.IPPROTO_TCP),
            (socket.AF_INET6, socket.IPPROTO_TCP),
            (socket.AF_INET, socket.IPPROTO_UDP),
            (socket.AF_INET6, socket.IPPROTO_UDP),
        )
        for seq, (family, protocol) in enumerate(dumps, start=1):
            tcp = protocol == socket.IPPROTO_TCP
            size = 4 if family == socket.AF_INET else 16
            for record in _dump(sock, seq, family, protocol, _ALL_STATES):
                state, sport, dport, src, dst, rqueue, wqueue, inode = record
                local = ips.get(src[:size]) or ips.setdefault(
                    src[:size], socket.inet_ntop(family, src[:size])
                )
                port = int.from_bytes(dport, "big")
                remote: Address | tuple[()] = ()
                if port:
                    remote = Address(
                        ips.get(dst[:size])
                        or ips.setdefault(dst[:size], socket.inet_ntop(family, dst[:size])),
                        port,
                    )
                out.append(
                    RawSocket(
                        family,
                        stream if tcp else dgram,
                        Address(local, int.from_bytes(sport, "big")),
                        remote,
                        _TCP_STATES.get(state, "UNKNOWN") if tcp else "NONE",
                        owners.get(inode) if inode else None,
                    )
                )
                if tcp and state == _TCP_LISTEN:
                    key = (local, out[-1].laddr.port)
                    have = queues.get(key, (0, 0))
                    queues[key] = (rqueue + have[0], wqueue + (have[1] or 0))
    return out, queues


def listen_queues() -> tuple[Queues, str | None]:
    """(address, port) -> (current accept queue, max backlog) of every TCP listener.

    From netlink when the kernel allows it; else the current queue from /proc and no
    backlog, with a note saying so. REUSEPORT listeners sharing an address are summed.
    """
    try:
        found: Queues = {}
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_SOCK_DIAG) as sock:
            sock.settimeout(2.0)
            for seq, family in enumerate((socket.AF_INET, socket.AF_INET6), start=1):
                size = 4 if family == socket.AF_INET else 16
                listening = 1 << _TCP_LISTEN
                for record in _dump(sock, seq, family, socket.IPPROTO_TCP, listening):
                    _, sport, _, src, _, queue, backlog, _ = record
                    key = (socket.inet_ntop(family, src[:size]), int.from_bytes(sport, "big"))
                    have = found.get(key, (0, 0))
                    found[key] = (queue + have[0], backlog + (have[1] or 0))
        return found, None
    except OSError as exc:
        note = f"listen backlogs unknown (sock_diag netlink refused: {exc.strerror or exc})"
    return _proc_listen_queues(), note


def _dump(
    sock: socket.socket, seq: int, family: int, protocol: int, states: int
) -> Iterator[tuple[int, bytes, bytes, bytes, bytes, int, int, int]]:
    """One sock_diag dump: (state, sport, dport, src, dst, rqueue, wqueue, inode) records."""
    body = _DIAG_REQUEST.pack(family, protocol, 0, states)
    flags = _NLM_F_REQUEST | _NLM_F_DUMP
    sock.send(
        _NLMSG_HEADER.pack(_NLMSG_HEADER.size + len(body), _SOCK_DIAG_BY_FAMILY, flags, seq, 0)
        + body
    )
    header, message = _NLMSG_HEADER, _DIAG_MSG
    while True:
        data = sock.recv(1 << 17)
        offset = 0
        while offset + header.size <= len(data):
            length, kind, _, _, _ = header.unpack_from(data, offset)
            if length < header.size or kind == _NLMSG_DONE:
                return
            if kind == _NLMSG_ERROR:
                (code,) = struct.unpack_from("=i", data, offset + header.size)
                if code:
                    raise OSError(-code, os.strerror(-code))
            elif kind == _SOCK_DIAG_BY_FAMILY:
                fields = message.unpack_from(data, offset + header.size)
                # state, sport, dport, src, dst, rqueue, wqueue, inode
                yield (
                    fields[1],
                    fields[4],
                    fields[5],
                    fields[6],
                    fields[7],
                    fields[11],
                    fields[12],
                    fields[14],
                )
            offset += (length + 3) & ~3


def _proc_listen_queues(
    proc: Path = _PROC,
) -> dict[tuple[str, int], tuple[int, int | None]]:
    """Current accept queues from /proc/net/tcp{,6}: rx_queue of the LISTEN (0A) lines."""
    found: dict[tuple[str, int], tuple[int, int | None]] = {}
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        try:
            lines = (proc / "net" / name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 5 or fields[3] != "0A":
                continue
            address, _, port = fields[1].partition(":")
            queue = int(fields[4].partition(":")[2], 16)
            key = (_proc_address(address, family), int(port, 16))
            found[key] = (found.get(key, (0, None))[0] + queue, None)
    return found


def _proc_address(text: str, family: int) -> str:
    """/proc/net/tcp addresses are 32-bit words in host byte order, written in hex."""
    raw = bytes.fromhex(text)
    if sys.byteorder == "little":
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return socket.inet_ntop(family, raw)


def _endpoint(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _owner(pid: int | None, process: str | None) -> str:
    if pid is None:
        return "-"
    return f"{pid}/{process}" if process is not None else f"{pid}/?"


def _opt(value: int | None) -> str:
    return "-" if value is None else str(value)


def _states(states: tuple[tuple[str, int], ...]) -> str:
    return " ".join(f"{state} {n}" for state, n in states)
