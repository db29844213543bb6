"""What `seed_demo` hands each service: the random source, the sizes and a progress printer."""

import random
from dataclasses import dataclass, field


@dataclass
class DemoContext:
    rng: random.Random
    titles: int = 300
    users: int = 60
    days: int = 90
    events: int = 20_000
    stdout: object = None
    extra: dict = field(default_factory=dict)

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)
