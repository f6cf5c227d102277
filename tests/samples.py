"""Sample payloads, keys and vector loading shared by the tests (plain values, no fixtures)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance import SigningKey

ASSETS = Path(__file__).parent / "assets"


def load_vector(name: str) -> Any:
    """Parse ``tests/assets/<name>.json``."""
    return json.loads((ASSETS / f"{name}.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Staff:
    """The store's three staff keys, one per role."""

    admin: SigningKey
    registrar: SigningKey
    grader: SigningKey


VINYL: dict[str, Any] = {
    "kind": "vinyl",
    "title": "Blue Train",
    "artist": "John Coltrane",
    "label": "Blue Note",
    "catalog_number": "BLP 1577",
    "matrix": {"A": "BN-LP-1577-A", "B": "BN-LP-1577-B"},
    "country": "US",
    "year": 1957,
}

FILM: dict[str, Any] = {
    "kind": "film",
    "title": "The Third Man",
    "director": "Carol Reed",
    "year": 1949,
    "gauge": "16mm",
    "print_type": "b/w reduction print",
    "reels": 3,
    "length_ft": 4200,
    "soundtrack": "optical",
}

VINYL_GRADE: dict[str, Any] = {
    "kind": "vinyl",
    "media": "VG+",
    "sleeve": "VG",
    "method": "play",
    "notes": "light scuffs",
}

FILM_GRADE: dict[str, Any] = {
    "kind": "film",
    "ad_level": "1.5",
    "shrinkage_permille": 8,
    "splices": 4,
    "fading": "slight",
    "scratches": "light",
}

# The smallest valid PNG signature plus filler: blobs only sniff the magic number.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 24
