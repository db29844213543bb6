"""Sliding-window metrics of services (requests) and edges (cross-service calls), in memory or in Redis."""

from __future__ import annotations

import bisect
import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings

logger = logging.getLogger(__name__)

WINDOW_S = 60
# rps is a "right now" figure; percentiles and error rates need more samples, so they use the whole window.
RATE_WINDOW_S = 10
# Latency histogram bucket upper bounds in ms: geometric steps of 1.25 from 0.25 ms to about 60 s.
# Histograms merge by addition, which is what lets several worker processes share one window.
LATENCY_BOUNDS_MS: tuple[float, ...] = tuple(round(0.25 * 1.25**i, 4) for i in range(56))
NODE = "n"
EDGE = "e"


@dataclass
class Bucket:
    """One second of one series: request count, 4xx and 5xx counts (or failed calls), latency histogram."""

    count: int = 0
    errors_4xx: int = 0
    errors_5xx: int = 0
    histogram: dict[int, int] = field(default_factory=dict)

    def add(self, seconds: float, status: int) -> None:
        self.count += 1
        if status >= 500:
            self.errors_5xx += 1
        elif status >= 400:
            self.errors_4xx += 1
        index = bisect.bisect_left(LATENCY_BOUNDS_MS, seconds * 1000.0)
        self.histogram[index] = self.histogram.get(index, 0) + 1

    def merge(self, other: Bucket) -> None:
        self.count += other.count
        self.errors_4xx += other.errors_4xx
        self.errors_5xx += other.errors_5xx
        for index, n in other.histogram.items():
            self.histogram[index] = self.histogram.get(index, 0) + n


def percentile_ms(histogram: dict[int, int], fraction: float) -> float:
    """The latency below which `fraction` of the samples fall, interpolated inside its bucket."""
    total = sum(histogram.values())
    if not total:
        return 0.0
    rank = fraction * total
    seen = 0
    for index in sorted(histogram):
        n = histogram[index]
        if seen + n >= rank:
            upper = LATENCY_BOUNDS_MS[index] if index < len(LATENCY_BOUNDS_MS) else LATENCY_BOUNDS_MS[-1] * 1.25
            lower = LATENCY_BOUNDS_MS[index - 1] if index > 0 else 0.0
            return lower + (upper - lower) * ((rank - seen) / n)
        seen += n
    return LATENCY_BOUNDS_MS[-1]


def summarize(seconds: dict[int, Bucket], now: int) -> dict:
    """The figures of one series over the window ending at second `now` (inclusive)."""
    window = Bucket()
    recent = 0
    for second, bucket in seconds.items():
        if now - WINDOW_S < second <= now:
            window.merge(bucket)
            if second > now - RATE_WINDOW_S:
                recent += bucket.count
    count = window.count
    return {
        "rps": round(recent / RATE_WINDOW_S, 2),
        "requests": count,
        "p50_ms": round(percentile_ms(window.histogram, 0.50), 1),
        "p95_ms": round(percentile_ms(window.histogram, 0.95), 1),
        "error_rate_4xx": round(window.errors_4xx / count, 4) if count else 0.0,
        "error_rate_5xx": round(window.errors_5xx / count, 4) if count else 0.0,
    }


Series = dict[tuple[str, str], dict[int, Bucket]]


class MetricsStore:
    """Records requests and calls into per-second buckets and summarizes the last `WINDOW_S` seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: Series = {}
        self._last_published: tuple[float, dict] | None = None

    def record_request(self, service: str, seconds: float, status: int) -> None:
        self._record((NODE, service), seconds, status)

    def record_call(self, caller: str, callee: str, seconds: float, ok: bool) -> None:
        # A failed call counts as a 5xx of the edge: the callee raised.
        self._record((EDGE, f"{caller}>{callee}"), seconds, 200 if ok else 500)

    def _record(self, key: tuple[str, str], seconds: float, status: int) -> None:
        second = int(time.time())
        with self._lock:
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = {}
            bucket = series.get(second)
            if bucket is None:
                # A new second: drop the ones that left the window, so memory stays bounded without a reader.
                for old in [s for s in series if s <= second - WINDOW_S]:
                    del series[old]
                bucket = series[second] = Bucket()
            bucket.add(seconds, status)

    def collect(self) -> Series:
        """Every series of the window (merged across processes when shared)."""
        cutoff = int(time.time()) - WINDOW_S
        with self._lock:
            return {key: {s: b for s, b in seconds.items() if s > cutoff} for key, seconds in self._series.items()}

    def snapshot(self) -> dict:
        """`{"nodes": {service: figures}, "edges": {(caller, callee): figures}, "time": ...}` for the window."""
        now_f = time.time()
        now = int(now_f)
        nodes: dict[str, dict] = {}
        edges: dict[tuple[str, str], dict] = {}
        for (kind, key), seconds in self.collect().items():
            figures = summarize(seconds, now)
            if kind == NODE:
                nodes[key] = figures
            else:
                caller, _, callee = key.partition(">")
                edges[(caller, callee)] = figures
        return {"nodes": nodes, "edges": edges, "time": now_f}

    def publish_last(self, message: dict, ttl_s: float) -> None:
        """Keep the last broadcast state, so a client connecting between updates starts from it."""
        self._last_published = (time.monotonic() + ttl_s, message)

    def last_published(self) -> dict | None:
        if self._last_published and self._last_published[0] > time.monotonic():
            return self._last_published[1]
        return None

    def acquire_broadcast(self, owner: str, ttl_s: float) -> bool:
        """True when `owner` is the one broadcaster; a single process always is."""
        return True

    def release_broadcast(self, owner: str) -> None:
        """Give up broadcasting (nothing to do in one process)."""

    def clear(self) -> None:
        with self._lock:
            self._series.clear()
        self._last_published = None


class RedisMetricsStore(MetricsStore):
    """Shared by every worker process: each buffers its own counts and adds them to Redis every flush interval.

    The request path never waits for Redis; a background thread pushes the buffered increments as one
    pipeline (HINCRBY on one hash per second, expiring after the window). Readers sum the hashes.
    """

    FLUSH_INTERVAL_S = 0.1

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        import redis

        self.prefix = prefix
        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._flusher: threading.Thread | None = None
        self._flusher_lock = threading.Lock()

    def _record(self, key: tuple[str, str], seconds: float, status: int) -> None:
        super()._record(key, seconds, status)
        if self._flusher is None:
            self._start_flusher()

    def _start_flusher(self) -> None:
        with self._flusher_lock:
            if self._flusher is None:
                self._flusher = threading.Thread(target=self._flush_forever, name="topology-metrics-flush", daemon=True)
                self._flusher.start()

    def _flush_forever(self) -> None:
        while True:
            time.sleep(self.FLUSH_INTERVAL_S)
            try:
                self.flush()
            except Exception:  # a Redis outage must not kill the thread; the counts of that moment are lost
                logger.warning("Could not flush topology metrics to Redis", exc_info=True)

    def second_key(self, second: int) -> str:
        return f"{self.prefix}:s:{second}"

    def flush(self) -> None:
        """Move this process's buffered counts into Redis."""
        with self._lock:
            pending, self._series = self._series, {}
        if not pending:
            return
        pipe = self.redis.pipeline(transaction=False)
        touched: set[int] = set()
        for (kind, key), seconds in pending.items():
            for second, bucket in seconds.items():
                name = self.second_key(second)
                touched.add(second)
                base = f"{kind}|{key}|"
                pipe.hincrby(name, base + "c", bucket.count)
                if bucket.errors_4xx:
                    pipe.hincrby(name, base + "4", bucket.errors_4xx)
                if bucket.errors_5xx:
                    pipe.hincrby(name, base + "5", bucket.errors_5xx)
                for index, n in bucket.histogram.items():
                    pipe.hincrby(name, f"{base}h{index}", n)
        for second in touched:
            pipe.expire(self.second_key(second), WINDOW_S + 30)
        pipe.execute()

    def collect(self) -> Series:
        self.flush()
        now = int(time.time())
        seconds = list(range(now - WINDOW_S + 1, now + 1))
        pipe = self.redis.pipeline(transaction=False)
        for second in seconds:
            pipe.hgetall(self.second_key(second))
        series: Series = {}
        for second, fields in zip(seconds, pipe.execute(), strict=True):
            for raw_field, raw_value in fields.items():
                kind, key, part = raw_field.decode().split("|")
                bucket = series.setdefault((kind, key), {}).setdefault(second, Bucket())
                value = int(raw_value)
                if part == "c":
                    bucket.count = value
                elif part == "4":
                    bucket.errors_4xx = value
                elif part == "5":
                    bucket.errors_5xx = value
                else:
                    bucket.histogram[int(part[1:])] = value
        return series

    def publish_last(self, message: dict, ttl_s: float) -> None:
        import json

        self.redis.set(f"{self.prefix}:last", json.dumps(message), px=int(ttl_s * 1000))

    def last_published(self) -> dict | None:
        import json

        raw = self.redis.get(f"{self.prefix}:last")
        return json.loads(raw) if raw else None

    def acquire_broadcast(self, owner: str, ttl_s: float) -> bool:
        """One broadcaster for all processes: a lease in Redis, renewed every tick by its holder."""
        key = f"{self.prefix}:broadcaster"
        ttl_ms = int(ttl_s * 1000)
        if self.redis.set(key, owner, nx=True, px=ttl_ms):
            return True
        if self.redis.get(key) == owner.encode():
            self.redis.pexpire(key, ttl_ms)
            return True
        return False

    def release_broadcast(self, owner: str) -> None:
        key = f"{self.prefix}:broadcaster"
        if self.redis.get(key) == owner.encode():
            self.redis.delete(key)

    def clear(self) -> None:
        super().clear()
        keys = list(self.redis.scan_iter(f"{self.prefix}:*"))
        if keys:
            self.redis.delete(*keys)


_store: MetricsStore | None = None
_store_lock = threading.Lock()


def build_store() -> MetricsStore:
    redis_url = settings.TOPOLOGY_REDIS_URL or settings.REDIS_URL
    if redis_url:
        return RedisMetricsStore(redis_url, settings.TOPOLOGY_REDIS_PREFIX)
    return MetricsStore()


def get_store() -> MetricsStore:
    """The process's store: in memory, or in Redis (shared by every worker) when REDIS_URL is set."""
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                _store = build_store()
    return _store


def set_store(store: MetricsStore | None) -> None:
    """Replace the process's store (tests use a fresh one each)."""
    global _store
    _store = store


def record_boundary_call(caller: str, callee: str, function_name: str, seconds: float, ok: bool) -> None:
    """The `@boundary` listener: one edge sample per cross-service call."""
    get_store().record_call(caller, callee, seconds, ok)
