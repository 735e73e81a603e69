"""The open tabs' network runs: one ``NetworkSession`` per tab, and a cap on how many.

A tab that is closed normally says so (``close``). One that disappears
without a word is dropped when a new tab needs its place and it has been idle
for ``IDLE_SECONDS``; a playing run also pauses itself after a few idle
seconds (see ``network.IDLE_PAUSE``), so a lost tab never keeps a core busy.
"""

from __future__ import annotations

import secrets
import threading
import time

from micrograd.playground import network

MAX_SESSIONS = 12  # network runs held at once (one per open tab)
IDLE_SECONDS = 120.0  # a run untouched this long may make room for a new tab


class TooManyRuns(Exception):
    """Every place is taken by a tab that is still in use."""


class RunEnded(LookupError):
    """No run has this key (closed, dropped for a new tab, or from a restarted server)."""


class Sessions:
    """The network runs of the open tabs, capped; the least recently used idle one makes room."""

    def __init__(self, cap: int = MAX_SESSIONS) -> None:
        self.cap = cap
        self._runs: dict[str, network.NetworkSession] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._runs)

    def create(self, config: network.Config) -> tuple[str, network.NetworkSession]:
        run = network.NetworkSession(config)  # may raise ConfigError: nothing is stored then
        with self._lock:
            if len(self._runs) >= self.cap:
                idle = [
                    (r.last_used, key)
                    for key, r in self._runs.items()
                    if time.monotonic() - r.last_used > IDLE_SECONDS
                ]
                if not idle:
                    raise TooManyRuns(
                        f"{self.cap} playground tabs are open already; close one and reload."
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
