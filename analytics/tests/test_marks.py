"""Hour marks: merging per-day sets and counting distinct users over ranges of hours."""

import datetime as dt

import numpy as np

from analytics.marks import Marks, epoch_day, hours_encode, ids_encode, marks_merge

DAY = dt.date(2026, 3, 2)
MIDNIGHT = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
HOUR, MINUTE = dt.timedelta(hours=1), dt.timedelta(minutes=1)


def _hours(*hours: int) -> int:
    return sum(1 << hour for hour in hours)


def _marks(*sets: tuple[int, int, dict[int, int]]) -> Marks:
    """Marks from (days after DAY, group, {user id: hours mask}) sets."""
    return Marks.from_sets(
        [epoch_day(DAY) + days for days, _, _ in sets],
        [group for _, group, _ in sets],
        [ids_encode(np.array(list(users), dtype=np.int64)) for _, _, users in sets],
        [hours_encode(np.array(list(users.values()), dtype=np.uint32)) for _, _, users in sets],
    )


def _users_within(marks: Marks, start: dt.timedelta, end: dt.timedelta) -> list[int]:
    return marks.within(MIDNIGHT + start, MIDNIGHT + end).distinct_user_ids().tolist()


def test_merge_sorts_by_keys_and_joins_the_hours_of_equal_keys():
    (users, titles), hours = marks_merge(([7, 3, 7, 3], [1, 9, 1, 2]), [_hours(5), _hours(1), _hours(6), _hours(2)])

    assert list(zip(users.tolist(), titles.tolist(), hours.tolist(), strict=True)) == [
        (3, 2, _hours(2)),
        (3, 9, _hours(1)),
        (7, 1, _hours(5, 6)),
    ]


def test_counts_over_hours_across_midnight():
    # User 1 on two devices at 23:00, and at 01:00 the next day; user 2 at 00:00 the next day.
    marks = _marks((0, 0, {1: _hours(23)}), (0, 0, {1: _hours(23)}), (1, 1, {1: _hours(1), 2: _hours(0)}))

    assert _users_within(marks, 23 * HOUR, 24 * HOUR) == [1]
    # A range starting or ending inside an hour includes that hour.
    assert _users_within(marks, 23.5 * HOUR, 24 * HOUR + MINUTE) == [1, 2]
    assert _users_within(marks, 26 * HOUR, 48 * HOUR) == []
    daily = marks.daily()
    assert daily.count_by_day() == {DAY: 1, DAY + dt.timedelta(days=1): 2}
    assert daily.count_by_hour() == {MIDNIGHT + 23 * HOUR: 1, MIDNIGHT + 24 * HOUR: 1, MIDNIGHT + 25 * HOUR: 1}
    assert daily.count_since([MIDNIGHT, MIDNIGHT + 24 * HOUR, MIDNIGHT + 25 * HOUR]) == [2, 2, 1]
    assert marks.count_by_group() == {0: 1, 1: 2}


def test_counts_with_user_ids_too_large_to_pack_with_days():
    huge = 2**62
    marks = _marks(
        (0, 0, {huge: _hours(3)}), (300, 1, {huge: _hours(4), huge + 1: _hours(5)}), (300, 1, {huge: _hours(6)})
    )

    assert marks.count_by_group() == {0: 1, 1: 2}
    daily = marks.daily()
    assert list(zip(daily.users.tolist(), daily.hours.tolist(), strict=True)) == [
        (huge, _hours(3)),
        (huge, _hours(4, 6)),
        (huge + 1, _hours(5)),
    ]
    assert daily.count_since([MIDNIGHT, MIDNIGHT + 300 * 24 * HOUR + 6 * HOUR]) == [2, 1]
