"""Hour marks: which users were seen in which hours, as the sorted arrays the per-day sets store.

A per-day set (`DailyActiveUsers`) lists entries (a user, or a user x title) sorted by their keys, each
with a 24-bit mask of the hours (UTC) of that day it was seen in: bit h stands for hour h. Distinct-user
counts over any range of whole hours are then computed from a few hundred such arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOURS_PER_DAY = 24


def ids_decode(value) -> np.ndarray:
    return np.frombuffer(bytes(value or b""), dtype="<i8")


def ids_encode(ids: np.ndarray) -> bytes:
    return np.asarray(ids, dtype="<i8").tobytes()


def hours_decode(value) -> np.ndarray:
    return np.frombuffer(bytes(value or b""), dtype="<u4")


def hours_encode(hours: np.ndarray) -> bytes:
    return np.asarray(hours, dtype="<u4").tobytes()


def hour_bit(moment: datetime) -> int:
    return 1 << moment.astimezone(UTC).hour


def marks_merge(
    keys: tuple[np.ndarray | Sequence[int], ...], hours: np.ndarray | Sequence[int]
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """One entry per distinct key (sorted by the first key array, then the next), with the hour masks OR-ed."""
    if not len(hours):
        return tuple(np.asarray(key, dtype="<i8") for key in keys), np.asarray(hours, dtype="<u4")
    order = np.lexsort(keys[::-1])
    keys = tuple(np.asarray(key, dtype="<i8")[order] for key in keys)
    hours = np.asarray(hours, dtype="<u4")[order]
    first = np.ones(len(hours), dtype=bool)
    first[1:] = np.logical_or.reduce([key[1:] != key[:-1] for key in keys])
    starts = np.flatnonzero(first)
    return tuple(key[starts] for key in keys), np.bitwise_or.reduceat(hours, starts)


def epoch_day(day: date) -> int:
    return (day - EPOCH.date()).days


def hour_number(moment: datetime, *, round_up: bool = False) -> int:
    """The hour (counted from 1970) that `moment` falls in, or the next one if asked and `moment` is past its start."""
    hours, rest = divmod(moment - EPOCH, timedelta(hours=1))
    return hours + (1 if round_up and rest else 0)


@dataclass(frozen=True)
class Marks:
    """Entries of per-day sets side by side: for each, the day (counted from 1970), the user id, the mask of the
    hours of that day, and a group (e.g. the region's number).

    A user may have several entries on one day (one per region x device, or per title watched).
    """

    days: np.ndarray
    users: np.ndarray
    hours: np.ndarray
    groups: np.ndarray

    @classmethod
    def from_sets(cls, days: Sequence[int], groups: Sequence[int], ids: Sequence, hours: Sequence) -> Marks:
        """Marks from per-day sets, given per set its day, its group, its stored user ids and hour masks."""
        lengths = [len(value) // 8 for value in ids]
        return cls(
            days=np.repeat(np.array(days, dtype=np.int64), lengths),
            users=np.frombuffer(b"".join(ids), dtype="<i8").astype(np.int64),
            hours=np.frombuffer(b"".join(hours), dtype="<u4").astype(np.uint32),
            groups=np.repeat(np.array(groups, dtype=np.int64), lengths),
        )

    def where(self, keep: np.ndarray) -> Marks:
        return Marks(self.days[keep], self.users[keep], self.hours[keep], self.groups[keep])

    def within(self, start: datetime, end: datetime) -> Marks:
        """Only the hours from `start` (rounded down to its hour) to `end` (exclusive); entries left empty go."""
        day_start = self.days * HOURS_PER_DAY
        low = np.clip(hour_number(start) - day_start, 0, HOURS_PER_DAY)
        high = np.clip(hour_number(end, round_up=True) - day_start, 0, HOURS_PER_DAY)
        hours = self.hours & ((1 << high) - (1 << low)).astype(np.uint32)
        keep = hours != 0
        return Marks(self.days[keep], self.users[keep], hours[keep], self.groups[keep])

    def distinct_user_ids(self) -> np.ndarray:
        """The ids of the users with an entry, sorted."""
        return _sorted_unique(self.users)

    def count_by_group(self) -> dict[int, int]:
        """Distinct users per group."""
        if not len(self.users):
            return {}
        pairs, span = _packed(self.groups, self.users)
        counts = np.bincount(_sorted_unique(pairs) % span)
        return {group: n for group, n in enumerate(counts.tolist()) if n}

    def daily(self) -> Marks:
        """One entry per user x day, sorted by user then day, with the hours of that user's entries that day.

        Groups are dropped.
        """
        if not len(self.users):
            return self
        first_day = int(self.days.min())
        pairs, _ = _packed(self.days - first_day, self.users)
        order = np.argsort(pairs, kind="stable")
        starts = np.flatnonzero(np.diff(pairs[order], prepend=-1))
        kept = order[starts]
        hours = np.bitwise_or.reduceat(self.hours[order], starts)
        return Marks(self.days[kept], self.users[kept], hours, np.zeros(len(kept), dtype=np.int64))

    def count_since(self, starts: list[datetime]) -> list[int]:
        """Distinct users seen from each of `starts` on, for marks with one entry per user x day (`daily()`)."""
        if not len(self.users):
            return [0] * len(starts)
        # The last hour each user was seen in; the highest bit of a mask is its binary exponent.
        last_hours = self.days * HOURS_PER_DAY + np.frexp(self.hours.astype(np.float64))[1] - 1
        user_starts = np.flatnonzero(np.diff(self.users, prepend=self.users[0] - 1))
        last_seen = np.maximum.reduceat(last_hours, user_starts)
        return [int(np.count_nonzero(last_seen >= hour_number(start))) for start in starts]

    def count_by_day(self) -> dict[date, int]:
        """Distinct users per day, for marks with one entry per user x day (`daily()`)."""
        if not len(self.days):
            return {}
        first_day = int(self.days.min())
        counts = np.bincount(self.days - first_day).tolist()
        return {EPOCH.date() + timedelta(days=first_day + offset): n for offset, n in enumerate(counts) if n}

    def count_by_hour(self) -> dict[datetime, int]:
        """Distinct users per hour, for marks with one entry per user x day (`daily()`)."""
        if not len(self.days):
            return {}
        # Days of one report span at most a few hundred: as 16-bit numbers they sort in linear time.
        order = np.argsort((self.days - self.days.min()).astype(np.int16), kind="stable")
        days = self.days[order]
        starts = np.flatnonzero(np.diff(days, prepend=-1))
        bits = np.unpackbits(self.hours[order].astype("<u4").view(np.uint8).reshape(-1, 4), axis=1, bitorder="little")
        counts = np.add.reduceat(bits[:, :HOURS_PER_DAY], starts, axis=0, dtype=np.int64)
        rows, hours = np.nonzero(counts)
        numbers = days[starts][rows] * HOURS_PER_DAY + hours
        return {
            EPOCH + timedelta(hours=number): n
            for number, n in zip(numbers.tolist(), counts[rows, hours].tolist(), strict=True)
        }


def _packed(keys: np.ndarray, users: np.ndarray) -> tuple[np.ndarray, int]:
    """Each (key, user) pair as one int64, ordered by user then key; keys are small (a day, a group) and >= 0.

    Returns the packed pairs and the key span (pair % span is the key). User ids too large to pack with the
    keys are replaced by their ranks.
    """
    span = int(keys.max()) + 1
    if int(users.max()) > np.iinfo(np.int64).max // span - 1:
        users = np.unique(users, return_inverse=True)[1]
    return users * span + keys, span


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    # Per-day sets are sorted runs, which the stable sort (a merge sort) takes advantage of.
    values = np.sort(values, kind="stable")
    return values[np.diff(values, prepend=values[:1] - 1) != 0]
