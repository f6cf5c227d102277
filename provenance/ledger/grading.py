"""Grading scales and vocabularies for vinyl records and film prints.

Vinyl: the Goldmine grading standard (Goldmine magazine's scale as used by Discogs), graded
separately for media and sleeve; sleeves may also be generic, not graded, or missing.
Film: the A-D Strip (Image Permanence Institute) acid level for vinegar syndrome, plus the
usual projectionist's condition notes. Values are strings or integers, never floats.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Fading",
    "FilmGauge",
    "Goldmine",
    "GradingMethod",
    "ItemKind",
    "Scratches",
    "SleeveGrade",
    "Soundtrack",
    "StripLevel",
]


class ItemKind(StrEnum):
    """What sort of object an item is."""

    VINYL = "vinyl"
    FILM = "film"


class Goldmine(StrEnum):
    """Goldmine media grades, best first."""

    M = "M"
    NM = "NM"
    VG_PLUS = "VG+"
    VG = "VG"
    G_PLUS = "G+"
    G = "G"
    F = "F"
    P = "P"


class SleeveGrade(StrEnum):
    """Goldmine grades for a sleeve, plus the three non-grades sellers use."""

    M = "M"
    NM = "NM"
    VG_PLUS = "VG+"
    VG = "VG"
    G_PLUS = "G+"
    G = "G"
    F = "F"
    P = "P"
    GENERIC = "Generic"
    NOT_GRADED = "Not Graded"
    NO_COVER = "No Cover"


class GradingMethod(StrEnum):
    """Whether the record was play-graded or graded by eye."""

    PLAY = "play"
    VISUAL = "visual"


class FilmGauge(StrEnum):
    """Film gauges the store handles."""

    MM8 = "8mm"
    SUPER8 = "super8"
    MM16 = "16mm"
    MM35 = "35mm"
    MM70 = "70mm"


class Soundtrack(StrEnum):
    """Soundtrack carried on a print."""

    SILENT = "silent"
    OPTICAL = "optical"
    MAGNETIC = "magnetic"
    DIGITAL = "digital"
    OTHER = "other"


class StripLevel(StrEnum):
    """A-D Strip acid level (0 = no deterioration ... 3 = critical); 1.5 is the point of
    autocatalytic decay. Kept as text so no float ever enters a signed event."""

    L0 = "0"
    L1 = "1"
    L1_5 = "1.5"
    L2 = "2"
    L3 = "3"


class Fading(StrEnum):
    """Colour fading of a print."""

    NONE = "none"
    SLIGHT = "slight"
    MODERATE = "moderate"
    SEVERE = "severe"


class Scratches(StrEnum):
    """Scratching of a print."""

    NONE = "none"
    LIGHT = "light"
    MODERATE = "moderate"
    HEAVY = "heavy"
