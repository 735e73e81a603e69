"""Shared test settings: Hypothesis profiles.

* ``default``: what a developer runs; about a hundred examples per property.
* ``ci``: the same number, derandomized, so a CI failure reproduces exactly
  (the failing example is printed, with the blob to replay it).
* ``thorough``: ten times the examples, for a long run before a release.

Pick one with ``HYPOTHESIS_PROFILE=thorough pytest``; CI (``CI=true``) gets
``ci``. Deadlines are off everywhere: a slow machine must not turn a correct
result into a failure (performance is measured by the benchmarks instead).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the optional float64 oracle; tests that ask for it skip without it.

    A fixture rather than a call inside the test body, so Hypothesis tests skip
    once, cleanly, instead of reporting each explicit example as skipped.
    """
    return pytest.importorskip("torch", reason="PyTorch is an optional oracle: pip install torch")


@pytest.fixture(scope="session")
def torch_or_none():
    """PyTorch if it is installed, else None: for tests that check known numbers
    either way and compare with PyTorch as well when they can."""
    try:
        import torch
    except ImportError:
        return None
    return torch
