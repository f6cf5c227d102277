"""A plausible catalogue for the benches: vinyl register rows and grade rows, seeded."""

from __future__ import annotations

import random
from typing import Any

_LABELS = {
    # label: (catalogue prefix, first number, matrix style)
    "Blue Note": ("BLP", 1500, "BN-LP-{n}-{side} RVG"),
    "Prestige": ("PRLP", 7000, "PRLP-{n}-{side}"),
    "Impulse!": ("A-", 1, "A-{n}-{side} VAN GELDER"),
    "Riverside": ("RLP 12-", 200, "RLP-12-{n}-{side}"),
    "Verve": ("MGV-", 8000, "MGV-{n}-{side}"),
    "Columbia": ("CL ", 1000, "XLP{n}-1{side}"),
    "Parlophone": ("PCS ", 3000, "YEX {n}-{side}"),
    "Harvest": ("SHVL ", 700, "SHVL-{n}-{side}1"),
    "Island": ("ILPS ", 9000, "ILPS-{n}-{side}1"),
    "Factory": ("FACT ", 10, "FACT-{n}-{side} PORKY"),
    "Stax": ("STS-", 2000, "STS-{n}-{side}"),
    "ECM": ("ECM ", 1000, "ECM-{n}-{side}"),
}
_ARTISTS = [
    "John Coltrane", "Miles Davis", "Thelonious Monk", "Art Blakey", "Sonny Rollins",
    "Bill Evans", "Nina Simone", "Charles Mingus", "Lee Morgan", "Hank Mobley",
    "Alice Coltrane", "Joy Division", "Pink Floyd", "Nick Drake", "Kate Bush",
    "The Beatles", "Otis Redding", "Keith Jarrett", "Dexter Gordon", "Wayne Shorter",
]  # fmt: skip
_WORDS = [
    "Blue", "Train", "Moanin", "Night", "Speak", "Song", "Soul", "Kind", "Love", "Supreme",
    "Unknown", "Pleasures", "Moon", "Side", "Dark", "Pink", "Moon", "Hounds", "Live", "Sessions",
    "Koln", "Concert", "Maiden", "Voyage", "Idle", "Moments", "Sidewinder", "Saxophone",
]  # fmt: skip
_COUNTRIES = ["US", "UK", "Germany", "Japan", "France", "Netherlands", "Italy", "Canada"]
_MEDIA = ["M", "NM", "VG+", "VG", "G+", "G", "F", "P"]
_SLEEVE = [*_MEDIA, "Generic", "Not Graded", "No Cover"]


def vinyl_rows(n: int, *, seed: int) -> list[dict[str, Any]]:
    """``n`` register payloads shaped like a real import: every field a shop would fill in."""
    rng = random.Random(seed)
    labels = list(_LABELS.items())
    rows = []
    for _ in range(n):
        label, (prefix, first, matrix) = rng.choice(labels)
        number = first + rng.randrange(400)
        rows.append(
            {
                "kind": "vinyl",
                "title": " ".join(rng.sample(_WORDS, rng.randint(1, 4))),
                "artist": rng.choice(_ARTISTS),
                "label": label,
                "catalog_number": f"{prefix}{number}",
                "matrix": {s: matrix.format(n=number, side=s) for s in ("A", "B")},
                "country": rng.choice(_COUNTRIES),
                "year": rng.randint(1955, 1985),
            }
        )
    return rows


def grade_rows(n: int, *, seed: int) -> list[dict[str, Any]]:
    """``n`` vinyl grade payloads."""
    rng = random.Random(seed + 1)
    return [
        {
            "kind": "vinyl",
            "media": rng.choice(_MEDIA),
            "sleeve": rng.choice(_SLEEVE),
            "method": rng.choice(["play", "visual"]),
            "notes": "light scuffs, plays through" if rng.random() < 0.5 else "seam split",
        }
        for _ in range(n)
    ]
