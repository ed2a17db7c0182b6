"""The submission lane: one thread per server process that runs the intake pipeline.

FastAPI runs a plain ``def`` route in a pool of threads. Under load that means eight or more threads taking
turns at the GIL with the event loop, and each SQLite call (which releases the GIL) becomes a new wait for it:
measured with 8 concurrent clients, each submission cost about 10.5 ms of CPU that way against 8 ms alone. An
intake route instead awaits :func:`run` on the event loop, and the pipeline runs on this one thread, with the
caller's context (request id for the logs) copied along."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

INTAKE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake")


async def run(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` on the submission lane; its exceptions propagate to the awaiting route."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(INTAKE, call)
