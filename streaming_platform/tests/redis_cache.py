"""A Redis cache for tests on a shared server: `clear()` deletes the cache's own keys, never the whole database."""

from itertools import islice

from django.core.cache.backends.redis import RedisCache

DELETE_BATCH = 500


class PrefixScopedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        if not self.key_prefix:
            raise ValueError("PrefixScopedRedisCache needs a KEY_PREFIX: it deletes by prefix")

    def clear(self) -> bool:
        client = self._cache.get_client(None, write=True)
        keys = client.scan_iter(match=f"{self.key_prefix}:*", count=1000)
        while batch := list(islice(keys, DELETE_BATCH)):
            client.delete(*batch)
        return True
