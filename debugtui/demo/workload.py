"""The demo's database traffic: the shop's tables and the checkout query the bad deploy ships.

``load`` creates the tables and runs a few minutes' worth of ordinary statements plus the
pathological one (a join on ``LIKE '%' || sku || '%'``, the change tagged ``v2.4.0``), after
a reset so pg_stat_statements shows exactly this picture: the checkout join on top by total
and mean time. :class:`CheckoutTraffic` keeps calling it while the demo runs, so the
activity view has something running too.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from debugtui.sandbox.postgres import PostgresServer

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE TABLE prices (sku text PRIMARY KEY, cents integer NOT NULL);
CREATE TABLE cart_items (
    id serial PRIMARY KEY, cart_id integer NOT NULL, sku text NOT NULL, qty integer NOT NULL
);
CREATE INDEX cart_items_cart ON cart_items (cart_id);
CREATE TABLE orders (id serial PRIMARY KEY, cart_id integer NOT NULL, cents bigint NOT NULL);
INSERT INTO prices
    SELECT 'SKU-' || lpad(g::text, 5, '0'), 100 + (g * 37) % 9900
    FROM generate_series(1, 2000) AS g;
INSERT INTO cart_items (cart_id, sku, qty)
    SELECT g % 300, 'SKU-' || lpad(((g * 7) % 2000 + 1)::text, 5, '0'), 1 + g % 3
    FROM generate_series(1, 1500) AS g;
ANALYZE;
"""

CHECKOUT_QUERY = (
    "SELECT ci.cart_id, sum(p.cents * ci.qty) AS total "
    "FROM cart_items ci JOIN prices p ON p.sku LIKE '%' || ci.sku || '%' "
    "GROUP BY ci.cart_id"
)
"""The v2.4.0 pricing join: no index can serve ``LIKE '%...%'``, so every call compares
every cart item with every price."""

PRICE_QUERY = "SELECT cents FROM prices WHERE sku = %s"
ORDER_INSERT = "INSERT INTO orders (cart_id, cents) VALUES (%s, %s)"
CHECKOUT_CALLS = 4
LOOKUPS = 300
TRAFFIC_PAUSE_S = 5.0
"""Between two checkout calls of the running demo: enough to be seen, little CPU."""


def load(server: PostgresServer) -> None:
    """Tables, then (after a statistics reset) ordinary lookups and the slow checkout."""
    server.psql(SCHEMA, tracked=False)
    server.psql("SELECT pg_stat_statements_reset()", tracked=False)
    with server.connect() as conn:
        for n in range(LOOKUPS):
            conn.execute(PRICE_QUERY, (f"SKU-{n % 2000 + 1:05d}",))
            if n % 10 == 0:
                conn.execute(ORDER_INSERT, (n % 300, 1000 + n))
        for _ in range(CHECKOUT_CALLS):
            conn.execute(CHECKOUT_QUERY).fetchall()


class CheckoutTraffic:
    """A thread calling the checkout query every few seconds until :meth:`stop`."""

    def __init__(self, server: PostgresServer) -> None:
        self._server = server
        self._stop = threading.Event()
        self._conn: Any = None
        self._thread = threading.Thread(target=self._run, name="demo-traffic", daemon=True)

    def start(self) -> None:
        self._conn = self._server.connect()
        self._conn.execute("SET application_name = 'shop-checkout'")
        self._thread.start()

    def _run(self) -> None:
        # The server going away (the demo stopping it) ends the loop like stop() does.
        with contextlib.suppress(Exception):
            while not self._stop.is_set():
                self._conn.execute(CHECKOUT_QUERY).fetchall()
                self._stop.wait(TRAFFIC_PAUSE_S)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
