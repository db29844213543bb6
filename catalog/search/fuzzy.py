"""Typo tolerance shared by the backends: close terms of the index vocabulary for a word that matches nothing.

Distance is optimal string alignment: an insertion, deletion, substitution or swap of two adjacent letters
(`borken` for `broken`) is one edit each.
"""

import bisect
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

# Words shorter than this are not corrected: one edit in a short word is a different word.
MIN_FUZZY_LENGTH = 4
# The vocabulary is re-read at most this often; new words are still found exactly and by prefix at once.
VOCABULARY_TTL_S = 300
MAX_ALTERNATIVES = 3


def max_edits(word: str) -> int:
    return 1 if len(word) < 7 else 2


class Vocabulary:
    """The index's terms with their document counts, bucketed by length, cached per process."""

    def __init__(self, loader: Callable[[], Iterable[tuple[str, int]]]):
        self.loader = loader
        self.lock = threading.Lock()
        self.loaded_at = 0.0
        self.by_length: dict[int, tuple[list[str], list[int]]] = {}
        self.sorted_terms: list[str] = []

    def buckets(self) -> dict[int, tuple[list[str], list[int]]]:
        with self.lock:
            if time.monotonic() - self.loaded_at > VOCABULARY_TTL_S:
                by_length: dict[int, tuple[list[str], list[int]]] = defaultdict(lambda: ([], []))
                for term, documents in self.loader():
                    terms, counts = by_length[len(term)]
                    terms.append(term)
                    counts.append(documents)
                self.by_length = dict(by_length)
                self.sorted_terms = sorted(term for terms, _ in self.by_length.values() for term in terms)
                self.loaded_at = time.monotonic()
            return self.by_length

    def has_prefix(self, word: str) -> bool:
        """True when some term starts with `word` (for backends without a vocabulary table)."""
        self.buckets()
        index = bisect.bisect_left(self.sorted_terms, word)
        return index < len(self.sorted_terms) and self.sorted_terms[index].startswith(word)

    def invalidate(self) -> None:
        with self.lock:
            self.loaded_at = 0.0

    def close_terms(self, word: str) -> list[str]:
        """Up to MAX_ALTERNATIVES terms within a few edits of `word`, closest and most common first."""
        if len(word) < MIN_FUZZY_LENGTH:
            return []
        edits = max_edits(word)
        buckets = self.buckets()
        found: list[tuple[int, int, str]] = []
        for length in range(len(word) - edits, len(word) + edits + 1):
            terms, counts = buckets.get(length, ((), ()))
            if not terms:
                continue
            matches = process.extract(word, terms, scorer=OSA.distance, score_cutoff=edits, limit=MAX_ALTERNATIVES * 4)
            found.extend((distance, -counts[index], term) for term, distance, index in matches)
        return [term for _, _, term in sorted(found)[:MAX_ALTERNATIVES]]
