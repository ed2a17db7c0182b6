"""Per-object caches of things rebuilt from fitted state (segmenters, lookup tables), never serialized."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class LazyCaches:
    """Mixin: ``self._cached("name", build)`` builds once per object; pickling-style state leaves caches out."""

    def _cached(self, name: str, build: Callable[[], T]) -> T:
        key = f"_{name}_cache"
        value = self.__dict__.get(key)
        if value is None:
            value = self.__dict__[key] = build()
        return value

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.endswith("_cache")}
