"""The start-up heap out of the garbage collector's way.

A process that has loaded the models, the vector store client, pydantic's schemas and the web stack holds ~380,000
tracked objects, nearly all of them for its whole life. CPython's oldest-generation collection walks every one of them:
measured in the bench_agent process, one full collection costs ~115 ms of CPU, and one runs about every hundred
messages — a 115 ms stall of whatever message (or, in the API process, of every callback on the event loop) is in
flight. `gc.freeze()` moves what exists now into the permanent generation, which collections skip; objects created
later are collected as before. Called once the heap is built (the API after its lifespan start-up, a worker after its
first message, when the lazily loaded models are in); each stage at most once per process, so a test process that
builds many apps and workers pays the collection once, not per app."""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)
_DONE: set[str] = set()


def freeze_startup_heap(stage: str = "startup") -> int:
    """Collects the start-up garbage, then freezes what is left; returns how many objects are frozen (0 when this
    stage already ran in this process)."""
    if stage in _DONE:
        return 0
    _DONE.add(stage)
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("froze %d start-up objects out of the collector's walk", frozen)
    return frozen
