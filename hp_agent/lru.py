"""A bounded, thread-safe least-recently-used cache, optionally valid for one owner object.

The chat's memoised work (assessments by text or by message id, scripted-agent analyses) is only
valid for the object that computed it: another detector or reloaded dialogue content must not be
answered from the old one's results. Passing a different ``owner`` to ``put`` empties the cache
first, and ``get`` with any other owner finds nothing. The app may run more than one event loop
(tests do), hence the lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._owner: object = None
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, owner: object = None) -> V | None:
        with self._lock:
            if owner is not self._owner:
                return None
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: K, value: V, owner: object = None) -> None:
        with self._lock:
            if owner is not self._owner:
                self._owner = owner
                self._items.clear()
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def pop(self, key: K) -> V | None:
        with self._lock:
            return self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
