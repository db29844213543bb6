"""Events one service announces and others hear, delivered after the sender's transaction commits.

A lower service that must tell higher ones about something (identity: history changed; catalog: a title
was searched) defines an `Event` in its `events.py` and sends it; the services that care connect to it in
their `AppConfig.ready()`. The sender imports nothing of theirs, so the import graph stays the real graph.

Delivery happens on commit (`transaction.on_commit`), so a receiver never runs inside, and can never abort,
the sender's transaction: it runs in autocommit, where a failed query aborts nothing. A receiver that fails
is logged and does not stop the others; one that writes several rows opens its own `transaction.atomic`.
Each delivery counts as a call from the sending service to the receiving one in the live topology, as a
`@boundary` call does.
"""

import functools
import logging

from django.db import transaction
from django.dispatch import Signal

from streaming_platform.boundary import measured_call

logger = logging.getLogger(__name__)


def _app_of(module: str) -> str:
    return module.split(".", 1)[0]


def _receiver_uid(receiver) -> str:
    return f"{receiver.__module__}.{receiver.__qualname__}"


class Event(Signal):
    """A named `Signal` whose receivers are called robustly, after the sender's transaction commits."""

    def __init__(self, name: str, *, sender_app: str) -> None:
        super().__init__()
        self.name = name
        self.sender_app = sender_app

    def __repr__(self) -> str:
        return f"<Event {self.sender_app}.{self.name}>"

    def connect(self, receiver, sender=None, weak=False, dispatch_uid=None):
        """Connects `receiver(**payload)`; connecting the same function twice connects it once."""
        receiver_app = _app_of(receiver.__module__)
        name = receiver.__qualname__

        @functools.wraps(receiver)
        def deliver(signal, sender, **payload):
            try:
                measured_call(self.sender_app, receiver_app, name, receiver, **payload)
            except Exception:
                # After commit nothing can be undone for the sender; the receiver's loss is logged.
                logger.exception("%r: receiver %s.%s failed", self, receiver.__module__, name)

        # The wrapper has no other reference, so it is held strongly and identified by the receiver's name.
        super().connect(deliver, sender=sender, weak=False, dispatch_uid=dispatch_uid or _receiver_uid(receiver))

    def disconnect(self, receiver=None, sender=None, dispatch_uid=None):
        if dispatch_uid is None and receiver is not None:
            dispatch_uid = _receiver_uid(receiver)
        return super().disconnect(sender=sender, dispatch_uid=dispatch_uid)

    def send_on_commit(self, **payload) -> None:
        """Delivers `payload` to every receiver once the current transaction commits (now, if there is none)."""
        transaction.on_commit(functools.partial(self.send, self.sender_app, **payload))
