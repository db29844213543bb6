"""Marks the functions through which one service calls another, so those calls can be measured.

Every public function in an app's `services.py` and `selectors.py` is decorated with `@boundary`.
A call from another app (the caller is known from the calling module's package) is reported to the
registered listeners with its latency and outcome; calls from inside the same app cost one frame look-up.
"""

import functools
import sys
import time
from collections.abc import Callable

CallListener = Callable[[str, str, str, float, bool], None]  # caller, callee, function, seconds, ok

_listeners: list[CallListener] = []


def add_call_listener(listener: CallListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def remove_call_listener(listener: CallListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def measured_call(caller: str, callee: str, name: str, func, /, *args, **kwargs):
    """Calls `func`, reporting the call from `caller` to `callee` to the listeners (when there are any)."""
    if caller == callee or not _listeners:
        return func(*args, **kwargs)
    started = time.perf_counter()
    ok = False
    try:
        result = func(*args, **kwargs)
        ok = True
        return result
    finally:
        elapsed = time.perf_counter() - started
        for listener in tuple(_listeners):
            listener(caller, callee, name, elapsed, ok)


def boundary(func):
    callee = func.__module__.split(".", 1)[0]
    name = func.__qualname__

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        caller = sys._getframe(1).f_globals.get("__name__", "").split(".", 1)[0]
        if caller == callee or not _listeners:
            return func(*args, **kwargs)
        return measured_call(caller, callee, name, func, *args, **kwargs)

    return wrapper
