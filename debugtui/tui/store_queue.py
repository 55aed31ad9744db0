"""One lane to the notebook: store calls run off the UI thread, one at a time, in order.

Each screen action that touches the store becomes a :class:`StoreCall`: a function run in a
thread worker that returns the message to post back (the worker never touches widgets).
Calls run in the order they were asked for, so a draft autosave can never land after the
entry that consumed it, ``]`` pressed twice moves two phases, and an export taken right after
a note includes the note. The worker belongs to the app, not to the screen, so leaving a
screen never drops a write still waiting its turn.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump

from debugtui.notebook.store import NotebookStore
from debugtui.tui.messages import StoreFailed

WORKER_GROUP = "store"


@dataclass(frozen=True)
class StoreCall:
    """One unit of store work and where its result goes."""

    app: App[object]
    target: MessagePump
    """Receives the result message (the screen that asked)."""
    what: str
    """A verb phrase for the error message: "save the note"."""
    run: Callable[[NotebookStore], Message | None]
    """Runs in the worker thread; returns the message to post to ``target``, if any."""
    failed: Callable[[str], Message] | None = None
    """The message for a failure, given the reason; default :class:`StoreFailed`."""


class StoreQueue:
    """FIFO of store calls, drained by at most one thread worker at a time."""

    def __init__(self, store: NotebookStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._calls: deque[StoreCall] = deque()
        self._draining = False
        self._performing = threading.Lock()
        """Held by whoever performs calls (the worker, or ``finish``): one at a time, in order."""

    def submit(
        self,
        target: MessagePump,
        what: str,
        run: Callable[[NotebookStore], Message | None],
        failed: Callable[[str], Message] | None = None,
    ) -> None:
        """Queue ``run``; start a worker unless one is already draining the queue."""
        app = target.app
        with self._lock:
            self._calls.append(StoreCall(app, target, what, run, failed))
            if self._draining:
                return
            self._draining = True
        app.run_worker(
            self._drain, name="store-queue", group=WORKER_GROUP, thread=True, exit_on_error=False
        )

    @property
    def pending(self) -> int:
        """Calls queued and not yet started."""
        with self._lock:
            return len(self._calls)

    def _drain(self) -> None:
        try:
            with self._performing:
                while (call := self._next()) is not None:
                    self._perform(call)
        finally:
            with self._lock:
                self._draining = False

    def finish(self, timeout: float = 10.0) -> bool:
        """After the app has stopped: perform, in this thread, every call still queued.

        Waits up to ``timeout`` for a worker that is still performing; False if it did not
        finish in time (the remaining calls are then left undone).
        """
        if not self._performing.acquire(timeout=timeout):
            return False
        try:
            while (call := self._next()) is not None:
                self._perform(call)
        finally:
            self._performing.release()
        return True

    def _next(self) -> StoreCall | None:
        with self._lock:
            if not self._calls:
                self._draining = False
                return None
            return self._calls.popleft()

    def _perform(self, call: StoreCall) -> None:
        try:
            message = call.run(self.store)
        except Exception as exc:
            reason = str(exc) or type(exc).__name__
            message = call.failed(reason) if call.failed else StoreFailed(call.what, reason)
        if message is None:
            return
        try:
            # A screen closed meanwhile drops its messages; failures still reach the user.
            if not call.target.post_message(message) and isinstance(message, StoreFailed):
                call.app.post_message(message)
        except RuntimeError:
            # The app's event loop is gone (``finish`` after exit): nobody is left to tell.
            return
