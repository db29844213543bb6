"""Word lists and the generator of the synthetic demo catalog (plain data; services.py writes it)."""

import datetime as dt
import random

GENRES = (
    "Action",
    "Adventure",
    "Animation",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Family",
    "Fantasy",
    "Horror",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)
ADJECTIVES = (
    "Silent", "Broken", "Golden", "Hidden", "Last", "Lost", "Midnight", "Northern", "Crimson", "Electric",
    "Distant", "Frozen", "Burning", "Secret", "Wild", "Quiet", "Iron", "Glass", "Hollow", "Endless",
)  # fmt: skip
NOUNS = (
    "Harbor", "Empire", "Garden", "Signal", "Horizon", "River", "Kingdom", "Station", "Orchard", "Frontier",
    "Lighthouse", "Circus", "Archive", "Voyage", "Citadel", "Summer", "Witness", "Engine", "Carnival", "Tide",
)  # fmt: skip
SUFFIXES = ("", "", "", " II", " Returns", ": Origins", " of the North", " Reborn")
FIRST_NAMES = (
    "Ava", "Ben", "Chloe", "Diego", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira", "Liam",
    "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wei", "Yara", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Andersen", "Bauer", "Costa", "Dubois", "Eriksson", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
    "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Rossi", "Santos", "Tanaka", "Weber",
)  # fmt: skip
PLOTS = (
    "A {role} uncovers a secret that could change {place} forever.",
    "When a storm cuts off {place}, a {role} must decide whom to trust.",
    "Two rivals from {place} are forced into an uneasy alliance.",
    "A retired {role} takes one last job in {place}.",
    "A family returns to {place} and finds it is not the town they left.",
    "An unlikely friendship grows between a {role} and a stranger in {place}.",
)
ROLES = ("detective", "pilot", "teacher", "smuggler", "scientist", "chef", "musician", "doctor", "journalist")
PLACES = ("Lisbon", "a mountain village", "Osaka", "the border", "a space station", "New Orleans", "the coast")
LANGUAGES = ("en",) * 6 + ("fr", "de", "es", "ja", "ko", "it")
MATURITIES = ("G", "PG", "PG", "PG-13", "PG-13", "PG-13", "R", "R", "NC-17", None)
# Regions with licences, with the share of titles each one carries.
REGIONS = {"US": 0.9, "GB": 0.6, "DE": 0.5, "FR": 0.45, "CA": 0.6, "JP": 0.3, "BR": 0.35, "IN": 0.3}
SHOW_SHARE = 0.3


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def windows(rng: random.Random) -> list[dict]:
    """Licence windows in days relative to now: mostly open, some expiring soon, some starting later."""
    out = []
    for region, share in REGIONS.items():
        if rng.random() > share:
            continue
        roll = rng.random()
        if roll < 0.7:  # available, open-ended
            out.append({"region": region, "start_day": -rng.randint(1, 2000), "end_day": None})
        elif roll < 0.82:  # leaving soon
            out.append({"region": region, "start_day": -rng.randint(30, 700), "end_day": rng.randint(1, 45)})
        elif roll < 0.92:  # coming soon
            out.append({"region": region, "start_day": rng.randint(1, 60), "end_day": None})
        else:  # expired
            out.append({"region": region, "start_day": -rng.randint(400, 900), "end_day": -rng.randint(1, 300)})
    return out


def credits(rng: random.Random, kind: str) -> list[dict]:
    lead_role = "creator" if kind == "show" else "director"
    names: list[str] = []
    wanted = rng.randint(3, 6)
    while len(names) < wanted:
        name = person_name(rng)
        if name not in names:
            names.append(name)
    out = [{"name": names[0], "role": lead_role, "character": ""}]
    out.extend({"name": name, "role": "cast", "character": person_name(rng).split()[0]} for name in names[1:])
    return out


def seasons(rng: random.Random, release_date: dt.date) -> list[dict]:
    out = []
    for number in range(1, rng.randint(1, 4) + 1):
        first_air = release_date + dt.timedelta(days=365 * (number - 1))
        episodes = [
            {
                "number": episode,
                "title": f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}",
                "description": "",
                "runtime_s": rng.choice((1320, 2640, 2700, 3300)),
                "air_date": first_air + dt.timedelta(days=7 * (episode - 1)),
            }
            for episode in range(1, rng.randint(6, 10) + 1)
        ]
        out.append({"number": number, "episodes": episodes})
    return out


def title_specs(rng: random.Random, count: int) -> list[dict]:
    """`count` title descriptions; the same `rng` state gives the same catalog."""
    specs = []
    for index in range(count):
        kind = "show" if rng.random() < SHOW_SHARE else "movie"
        release_date = dt.date(rng.randint(1960, 2025), rng.randint(1, 12), rng.randint(1, 28))
        name = f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}{rng.choice(SUFFIXES)}"
        plot = rng.choice(PLOTS).format(role=rng.choice(ROLES), place=rng.choice(PLACES))
        specs.append(
            {
                "key": str(index + 1),
                "kind": kind,
                "title": name,
                "description": plot,
                "release_date": release_date,
                "runtime_s": rng.randint(80, 170) * 60 if kind == "movie" else rng.choice((1320, 2700, 3300)),
                "language": rng.choice(LANGUAGES),
                "maturity": rng.choice(MATURITIES),
                "popularity": round(rng.paretovariate(1.5) * 10, 2),
                "genres": rng.sample(GENRES, rng.randint(1, 3)),
                "credits": credits(rng, kind),
                "windows": windows(rng),
                "seasons": seasons(rng, release_date) if kind == "show" else [],
            }
        )
    return specs
