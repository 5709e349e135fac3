"""Per-address throttling of the requests that guessing or flooding would use.

Token buckets keyed by (scope, client address), in memory.  The address is
the connection's peer, or what uvicorn's proxy-headers support made of
``X-Forwarded-For`` when the proxy is trusted (``--forwarded-allow-ips``).
Over the limit a request gets ``rate_limited`` (HTTP 429) with ``Retry-After``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from visio.errors import RateLimited

#: Buckets kept before full (idle) ones are dropped.
MAX_BUCKETS = 50_000


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class Throttle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._limits: dict[str, float] = {}

    def check(self, scope: str, address: str, per_minute: int) -> None:
        """Take one token for ``address`` in ``scope``; raises RateLimited when there is none.

        Bursts of up to ``per_minute`` requests pass; then one per
        ``60 / per_minute`` seconds.
        """
        now = self.clock()
        rate = per_minute / 60.0
        self._limits[scope] = per_minute
        key = (scope, address)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                self._drop_full(now)
            bucket = self._buckets[key] = _Bucket(float(per_minute), now)
        bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.stamp) * rate)
        bucket.stamp = now
        if bucket.tokens < 1:
            wait = math.ceil((1 - bucket.tokens) / rate)
            raise RateLimited("Too many requests from your address; slow down", retry_after=wait)
        bucket.tokens -= 1

    def _drop_full(self, now: float) -> None:
        for key, bucket in list(self._buckets.items()):
            limit = self._limits.get(key[0], 0.0)
            if bucket.tokens + (now - bucket.stamp) * limit / 60.0 >= limit:
                del self._buckets[key]
