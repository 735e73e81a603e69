"""The open tabs' network runs: one ``NetworkSession`` per tab, and a cap on how many.

A tab that is closed normally says so (``close``). One that disappears
without a word is dropped when a new tab needs its place and it has been idle
for ``IDLE_SECONDS``: every request of a tab counts as a sign of life, and an
open tab that is doing nothing says it is still there with ``/api/net/ping``
(more often than every ``IDLE_SECONDS``). A playing run also pauses itself
after a few idle seconds (``network.IDLE_PAUSE``), so a lost tab never keeps
a core busy.
"""

from __future__ import annotations

import secrets
import threading
import time

from micrograd.playground import network

MAX_SESSIONS = 12  # network runs held at once (one per open tab)
IDLE_SECONDS = 30.0  # a run untouched this long may make room for a new tab


class TooManyRuns(Exception):
    """Every place is taken by a tab that is still in use."""


class RunEnded(LookupError):
    """No run has this key (closed, dropped for a new tab, or from a restarted server)."""


class Sessions:
    """The network runs of the open tabs, capped; the least recently used idle one makes room."""

    def __init__(self, cap: int = MAX_SESSIONS, *, threaded: bool = True) -> None:
        self.cap = cap
        self.threaded = threaded  # False: no trainer threads; the host calls advance()
        self._runs: dict[str, network.NetworkSession] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._runs)

    def create(self, config: network.Config) -> tuple[str, network.NetworkSession]:
        run = network.NetworkSession(config, threaded=self.threaded)  # may raise ConfigError
        with self._lock:
            if len(self._runs) >= self.cap:
                idle = [
                    (r.last_used, key)
                    for key, r in self._runs.items()
                    if time.monotonic() - r.last_used > IDLE_SECONDS
                ]
                if not idle:
                    soonest = min(r.last_used for r in self._runs.values())
                    wait = max(1, round(IDLE_SECONDS - (time.monotonic() - soonest)))
                    raise TooManyRuns(
                        f"{self.cap} playground tabs are training networks already, the most "
                        f"this server runs at once. Close one of them, or wait: a tab that "
                        f"has been quiet for {IDLE_SECONDS:g} s gives up its place (in about "
                        f"{wait} s here). Then press Reset."
                    )
                self._runs.pop(min(idle)[1]).playing = False
            key = secrets.token_hex(8)
            self._runs[key] = run
        return key, run

    def get(self, key: object) -> network.NetworkSession:
        run = self._runs.get(key) if isinstance(key, str) else None
        if run is None:
            raise RunEnded("this network run has ended; reset to start a new one.")
        run.last_used = time.monotonic()
        return run

    def close(self, key: object) -> None:
        with self._lock:
            run = self._runs.pop(key, None) if isinstance(key, str) else None
        if run is not None:
            run.playing = False  # its training thread ends after the current step
