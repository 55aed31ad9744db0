"""The sockets source against real sockets opened by the test on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from debugtui.config import Config, SocketsConfig
from debugtui.sources.sockets import (
    HIDDEN_WARNING,
    SocketsData,
    SocketsSource,
    _Owners,
    _proc_address,
    _proc_listen_queues,
    _summarise,
    listen_queues,
    netlink_sockets,
    read_conntrack,
    socket_owners,
)

ME = os.getpid()
MY_NAME = psutil.Process().name()


@dataclass
class Loopback:
    """A TCP server with three accepted clients (one closed by its client: CLOSE_WAIT on the
    server side), one client waiting in the accept queue, and a bound UDP socket."""

    port: int
    udp_port: int
    client_ports: list[int]


def wait_for(check: Callable[[], bool]) -> None:
    """Wait for the kernel to finish a state change (a FIN crossing loopback)."""
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, "socket state never changed"
        time.sleep(0.01)


def unused_port_listener() -> socket.socket:
    """A listener (backlog 128) on a port no other socket uses, lingering TIME_WAITs of an
    earlier test included, so the counts below are exact."""
    while True:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        others = [
            c
            for c in psutil.net_connections("inet")
            if port in (c.laddr.port, c.raddr.port if c.raddr else None)
        ]
        if not others:
            server.listen(128)
            return server
        server.close()


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    opened: list[socket.socket] = []
    server = unused_port_listener()
    opened.append(server)
    port = server.getsockname()[1]
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    opened.extend(clients)
    accepted = [server.accept()[0] for _ in clients]
    opened.extend(accepted)
    waiting = socket.create_connection(("127.0.0.1", port))  # never accepted
    opened.append(waiting)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    opened.append(udp)
    udp.bind(("127.0.0.1", 0))
    client_ports = [c.getsockname()[1] for c in [*clients, waiting]]
    clients[0].close()  # the server side does not close: CLOSE_WAIT
    local = accepted[0].getsockname()
    peer = client_ports[0]
    # the server end reaches CLOSE_WAIT with the FIN; the client end reaches FIN_WAIT2 only
    # when the FIN's ACK is back, which the kernel may delay (~40 ms): wait for both
    wait_for(
        lambda: (
            {
                c.status
                for c in psutil.net_connections("tcp4")
                if c.raddr
                and (
                    (c.laddr == local and c.raddr.port == peer)
                    or (c.laddr.port == peer and c.raddr == local)
                )
            }
            == {"CLOSE_WAIT", "FIN_WAIT2"}
        )
    )
    try:
        yield Loopback(port, udp.getsockname()[1], client_ports)
    finally:
        for sock in opened:
            sock.close()


def collect(**params: object) -> SocketsData:
    snap = SocketsSource().collect(params)
    assert snap.ok, (snap.error, snap.hint)
    assert isinstance(snap.data, SocketsData)
    return snap.data


def test_listener_shows_this_process_like_netstat_tulpn(loopback: Loopback) -> None:
    data = collect()
    (listener,) = [x for x in data.listeners if x.port == loopback.port]
    assert (listener.proto, listener.address) == ("tcp", "127.0.0.1")
    assert (listener.pid, listener.process) == (ME, MY_NAME)
    assert listener.user == psutil.Process().username()
    rows = data.tables()["listeners"].rows
    assert ("tcp", f"127.0.0.1:{loopback.port}") in {r[:2] for r in rows}
    assert f"{ME}/{MY_NAME}" in {r[4] for r in rows}


def test_udp_socket_is_listed_as_a_listener(loopback: Loopback) -> None:
    data = collect()
    (udp,) = [x for x in data.listeners if x.port == loopback.udp_port]
    assert (udp.proto, udp.pid, udp.queue, udp.backlog) == ("udp", ME, None, None)
    assert data.udp >= 1


def test_state_counts_include_established_and_close_wait(loopback: Loopback) -> None:
    states = dict(collect().tcp_states)
    assert states["ESTABLISHED"] >= 4
    assert states["CLOSE_WAIT"] >= 1
    assert states["LISTEN"] >= 1


def test_port_filter_keeps_only_sockets_on_that_port(loopback: Loopback) -> None:
    data = collect(port=loopback.port)
    assert data.ports == (loopback.port,)
    # 1 listener, 4 client ends, 3 accepted server ends, 1 end waiting in the accept queue
    assert data.total == 9
    assert data.scanned > data.total
    assert [x.port for x in data.listeners] == [loopback.port]
    assert len(data.connections) == 8
    assert all(loopback.port in (c.local_port, c.remote_port) for c in data.connections)
    assert dict(data.tcp_states) == {
        "ESTABLISHED": 6,
        "CLOSE_WAIT": 1,
        "FIN_WAIT2": 1,
        "LISTEN": 1,
    }


def test_port_filter_comes_from_config(loopback: Loopback) -> None:
    config = Config(sockets=SocketsConfig(ports=(loopback.udp_port,)))
    snap = SocketsSource(config).collect()
    assert snap.ok
    assert snap.data.ports == (loopback.udp_port,)
    udp = [x for x in snap.data.listeners if x.proto == "udp"]
    assert [(x.port, x.pid) for x in udp] == [(loopback.udp_port, ME)]
    # a TCP socket elsewhere may share the number (TCP and UDP ports are separate spaces)
    assert all(loopback.udp_port == x.port for x in snap.data.listeners)
    assert all(loopback.udp_port in (c.local_port, c.remote_port) for c in snap.data.connections)


def test_connections_are_grouped_by_remote_host(loopback: Loopback) -> None:
    data = collect(port=loopback.port)
    (host,) = data.remote_hosts
    assert (host.address, host.connections) == ("127.0.0.1", 8)
    assert dict(host.states)["CLOSE_WAIT"] == 1


def test_connections_are_grouped_by_local_port_with_the_listening_program(
    loopback: Loopback,
) -> None:
    data = collect(port=loopback.port)
    service = next(p for p in data.local_ports if p.port == loopback.port)
    assert (service.connections, service.process) == (4, MY_NAME)
    assert dict(service.states) == {"ESTABLISHED": 3, "CLOSE_WAIT": 1}


def test_sockets_are_counted_per_process(loopback: Loopback) -> None:
    data = collect(port=loopback.port)
    mine = next(p for p in data.processes if p.pid == ME)
    assert (mine.process, mine.listening, mine.connections) == (MY_NAME, 1, 6)
    # without a process: the end nobody accepted yet, and the closed client end
    orphan = next(p for p in data.processes if p.pid is None)
    assert dict(orphan.states) == {"ESTABLISHED": 1, "FIN_WAIT2": 1}


def test_unusual_states_come_first_in_kept_connections(loopback: Loopback) -> None:
    data = collect(port=loopback.port, limit=2)
    assert {c.state for c in data.connections} == {"CLOSE_WAIT", "FIN_WAIT2"}
    assert data.total == 9


def test_listen_backlog_and_accept_queue_are_read(loopback: Loopback) -> None:
    (listener,) = [x for x in collect().listeners if x.port == loopback.port]
    assert (listener.queue, listener.backlog) == (1, 128)


def test_ipv6_listener_backlog_is_read() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this host")
    with socket.socket(socket.AF_INET6) as server:
        try:
            server.bind(("::1", 0))
        except OSError:
            pytest.skip("no IPv6 loopback on this host")
        server.listen(7)
        port = server.getsockname()[1]
        (listener,) = [x for x in collect(port=port).listeners]
    assert (listener.proto, listener.address, listener.backlog) == ("tcp6", "::1", 7)


def on_port(sockets: list[Any], port: int) -> set[tuple[Any, ...]]:
    return {
        (s.family, s.type, tuple(s.laddr), tuple(s.raddr), s.status, s.pid)
        for s in sockets
        if port in (s.laddr.port, s.raddr.port if s.raddr else None)
    }


def test_netlink_reader_sees_what_psutil_sees(loopback: Loopback) -> None:
    fast, queues = netlink_sockets(socket_owners())
    assert on_port(fast, loopback.port) == on_port(psutil.net_connections("inet"), loopback.port)
    assert queues[("127.0.0.1", loopback.port)] == (1, 128)
    udp = {s for s in on_port(fast, loopback.udp_port) if s[1] == socket.SOCK_DGRAM}
    assert udp == {
        (socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", loopback.udp_port), (), "NONE", ME)
    }


def test_psutil_fallback_gives_the_same_summary(loopback: Loopback) -> None:
    """Where netlink is refused, psutil and /proc feed the same summary (backlog unknown)."""
    fast = collect(port=loopback.port)
    raw = [
        s
        for s in psutil.net_connections("inet")
        if loopback.port in (s.laddr.port, s.raddr.port if s.raddr else None)
    ]
    owners, _ = _Owners().lookup(psutil, {s.pid for s in raw if s.pid})
    slow = _summarise(raw, owners, _proc_listen_queues(), (), len(raw), 10, 200, 0)
    assert slow.tcp_states == fast.tcp_states
    assert slow.remote_hosts == fast.remote_hosts
    assert slow.processes == fast.processes
    (listener,) = slow.listeners
    assert (listener.pid, listener.queue, listener.backlog) == (ME, 1, None)


def test_proc_fallback_reads_the_current_accept_queue(loopback: Loopback) -> None:
    queues = _proc_listen_queues()
    assert queues[("127.0.0.1", loopback.port)] == (1, None)
    assert listen_queues()[1] is None  # netlink works here, no note


def test_proc_addresses_are_decoded_in_host_byte_order() -> None:
    if sys.byteorder != "little":
        pytest.skip("the sample is from a little-endian host")
    assert _proc_address("0100007F", socket.AF_INET) == "127.0.0.1"
    assert _proc_address("00000000000000000000000001000000", socket.AF_INET6) == "::1"


def test_conntrack_is_numbers_or_none() -> None:
    table = read_conntrack()
    if table is not None:
        assert 0 <= table.count <= table.max
    assert read_conntrack(Path("/nonexistent")) is None


def test_a_child_process_is_named_and_forgotten_once_gone() -> None:
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import socket, sys; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(5);"
            "print(s.getsockname()[1], flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    port = int(child.stdout.readline())
    source = SocketsSource()
    try:
        (listener,) = source.collect({"port": port}).data.listeners
        assert (listener.pid, listener.process) == (child.pid, psutil.Process(child.pid).name())
    finally:
        child.stdin.close()
        child.wait(timeout=10)
    assert source.collect({"port": port}).data.listeners == ()


def test_owners_hidden_from_a_non_root_user_are_counted_with_a_warning(
    loopback: Loopback,
) -> None:
    if os.geteuid() != 0:
        pytest.skip("dropping to another user needs root")
    code = (
        "import json, os, psutil\n"
        "from debugtui.sources.sockets import SocketsSource\n"
        "os.setgid(65534); os.setuid(65534)\n"
        f"snap = SocketsSource().collect({{'port': {loopback.port}}})\n"
        "print(json.dumps(snap.to_dict()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    out = json.loads(done.stdout)
    assert out["ok"]
    assert out["data"]["total"] == 9  # nothing is dropped
    assert out["data"]["hidden"] >= 8  # every end held by this root process
    (listener,) = out["data"]["listeners"]
    assert listener["pid"] is None
    assert any(w.startswith(HIDDEN_WARNING) for w in out["warnings"])


def test_bad_port_is_a_clear_error() -> None:
    snap = SocketsSource().collect({"port": 70000})
    assert not snap.ok
    assert snap.error == "port 70000 is out of range"
    assert snap.hint


def test_snapshot_is_json_serialisable_with_tables(loopback: Loopback) -> None:
    snap = SocketsSource().collect({"port": loopback.port})
    out = json.loads(json.dumps(snap.to_dict()))
    assert out["data"]["tcp_states"]["CLOSE_WAIT"] == 1
    assert out["data"]["listeners"][0]["backlog"] == 128
    tables = snap.tables()
    assert set(tables) == {
        "summary",
        "listeners",
        "states",
        "remote_hosts",
        "local_ports",
        "processes",
        "connections",
    }
    assert ("CLOSE_WAIT", "1") in tables["states"].rows
