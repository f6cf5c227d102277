"""Payload schemas: what each event type may carry, in what normal form."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from provenance.errors import InputError
from provenance.ledger.grading import Goldmine, SleeveGrade, StripLevel
from provenance.ledger.schemas import (
    EventType,
    Role,
    VinylGrade,
    payload_errors,
    validate_correction,
    validate_payload,
)

from ...samples import FILM, FILM_GRADE, VINYL, VINYL_GRADE

H64 = "ab" * 32
H32 = "cd" * 16


def test_vinyl_register_normal_form() -> None:
    out = validate_payload("register", VINYL, kind=None)
    assert out == {**VINYL, "photos": []}


def test_minimal_vinyl_register_gets_defaults_and_drops_nones() -> None:
    out = validate_payload(
        EventType.REGISTER, {"kind": "vinyl", "title": "T", "artist": "A"}, kind=None
    )
    assert out == {"kind": "vinyl", "title": "T", "artist": "A", "matrix": {}, "photos": []}


def test_film_register_normal_form() -> None:
    out = validate_payload("register", FILM, kind=None)
    assert out == {**FILM, "photos": []}


def test_film_register_default_reels() -> None:
    out = validate_payload("register", {"kind": "film", "title": "T", "gauge": "35mm"}, kind=None)
    assert out["reels"] == 1


@pytest.mark.parametrize(
    ("data", "kind"),
    [(VINYL_GRADE, "vinyl"), (FILM_GRADE, "film"), (VINYL_GRADE, None)],
)
def test_grades(data: dict[str, Any], kind: str | None) -> None:
    out = validate_payload("grade", data, kind=kind)
    assert {k: out[k] for k in data} == data


def test_film_grade_defaults() -> None:
    out = validate_payload(
        "grade", {"kind": "film", "ad_level": "0", "shrinkage_permille": 0}, kind="film"
    )
    assert out == {
        "kind": "film",
        "ad_level": "0",
        "shrinkage_permille": 0,
        "splices": 0,
        "fading": "none",
        "scratches": "none",
        "photos": [],
    }


def test_grading_scales() -> None:
    assert [g.value for g in Goldmine] == ["M", "NM", "VG+", "VG", "G+", "G", "F", "P"]
    assert {"Generic", "Not Graded", "No Cover"} <= {s.value for s in SleeveGrade}
    assert [s.value for s in StripLevel] == ["0", "1", "1.5", "2", "3"]


@pytest.mark.parametrize("sleeve", ["Generic", "Not Graded", "No Cover", "NM"])
def test_sleeve_non_grades(sleeve: str) -> None:
    out = validate_payload("grade", {**VINYL_GRADE, "sleeve": sleeve}, kind="vinyl")
    assert out["sleeve"] == sleeve


def test_other_types() -> None:
    transfer = {"owner": H64, "claim": H64, "price": {"amount": 199_900, "currency": "EUR"}}
    assert validate_payload("transfer", transfer, kind="vinyl") == {**transfer, "reason": "sale"}
    private = {"owner": H64, "price_commitment": "ef" * 32, "reason": "sale"}
    assert validate_payload("transfer", private, kind="vinyl") == private
    for rules in ("new", "stored"):  # the public form of events written before stays valid
        assert validate_payload("transfer", transfer, kind="vinyl", rules=rules)["price"]
    assert validate_payload("status", {"status": "stolen"}, kind="film") == {"status": "stolen"}
    assert validate_payload("note", {"text": "plays clean"}, kind="vinyl") == {
        "text": "plays clean"
    }
    correct = {"supersedes": 1, "reason": "typo", "data": {"x": 1}}
    assert validate_payload("correct", correct, kind="vinyl") == correct
    key = {"action": "add", "key": H32, "public_key": H64, "role": "grader"}
    assert validate_payload("key", key, kind=None) == key
    revoke = {"action": "revoke", "key": H32, "reason": "left the shop"}
    assert validate_payload("key", revoke, kind=None) == revoke
    rotate = {**key, "action": "rotate", "replaces": "ef" * 16}
    assert validate_payload("key", rotate, kind=None) == rotate


def test_lax_input_is_normalised() -> None:
    # A CSV gives strings; the signed payload holds the integer.
    out = validate_payload("register", {**VINYL, "year": "1957"}, kind=None)
    assert out["year"] == 1957


BAD: list[tuple[str, Any, str | None, str]] = [
    ("bogus", {}, None, r"unknown event type 'bogus'"),
    ("note", ["text"], None, r"note data must be an object"),
    ("register", {"title": "T"}, None, r"invalid register data: kind must be one of vinyl, film"),
    ("register", {"kind": "tape", "title": "T"}, None, r"kind must be one of vinyl, film"),
    ("register", {**VINYL, "extra": 1}, None, r"extra: Extra inputs are not permitted"),
    ("register", {**VINYL, "year": 1800}, None, r"year: Input should be greater than or equal"),
    ("register", {**VINYL, "year": 2101}, None, r"year: Input should be less than or equal"),
    ("register", {**VINYL, "title": ""}, None, r"title: String should have at least 1"),
    ("register", {**VINYL, "title": "x" * 201}, None, r"title: String should have at most 200"),
    ("register", {**VINYL, "barcode": "12ab"}, None, r"barcode: String should have at least 8"),
    ("register", {**VINYL, "barcode": "1234abcd"}, None, r"barcode: is not an EAN/UPC barcode"),
    ("register", {**VINYL, "photos": ["AB" * 32]}, None, r"photos\.0: String should match"),
    ("register", {**VINYL, "photos": [H64] * 21}, None, r"photos: List should have at most 20"),
    ("register", {"kind": "film", "title": "T"}, None, r"gauge: Field required"),
    ("register", {**FILM, "gauge": "9.5mm"}, None, r"gauge: Input should be"),
    ("register", {**FILM, "reels": 0}, None, r"reels: Input should be greater than or equal"),
    ("grade", FILM_GRADE, "vinyl", r"a film grade does not fit a vinyl item"),
    ("grade", VINYL_GRADE, "film", r"a vinyl grade does not fit a film item"),
    ("grade", {**VINYL_GRADE, "media": "EX"}, "vinyl", r"media: Input should be 'M', 'NM'"),
    ("grade", {**VINYL_GRADE, "sleeve": "Generic", "media": "Generic"}, "vinyl", r"media:"),
    ("grade", {**VINYL_GRADE, "method": "ear"}, "vinyl", r"method: Input should be"),
    ("grade", {**FILM_GRADE, "ad_level": 1.5}, "film", r"ad_level: Input should be '0'"),
    ("grade", {**FILM_GRADE, "shrinkage_permille": 101}, "film", r"shrinkage_permille"),
    ("transfer", {"owner": "ab"}, "vinyl", r"owner: String should match pattern"),
    ("transfer", {"owner": H64, "reason": "theft"}, "vinyl", r"reason: Input should be"),
    (
        "transfer",
        {"owner": H64, "price": {"amount": 1, "currency": "EUR"}, "price_commitment": H64},
        "vinyl",
        r"invalid transfer data: data: a transfer carries price or price_commitment, not both",
    ),
    ("transfer", {"owner": H64, "price_commitment": "ab"}, "vinyl", r"price_commitment: String"),
    (
        "transfer",
        {"owner": H64, "price": {"amount": 1, "currency": "usd"}},
        "vinyl",
        r"price\.currency: String should match",
    ),
    (
        "transfer",
        {"owner": H64, "price": {"amount": -1, "currency": "USD"}},
        "vinyl",
        r"price\.amount: Input should be greater than or equal to 0",
    ),
    ("status", {"status": "lost"}, "vinyl", r"status: Input should be 'stolen'"),
    ("note", {"text": ""}, "vinyl", r"text: String should have at least 1"),
    ("correct", {"supersedes": -1, "reason": "x"}, "vinyl", r"supersedes: Input should be"),
    ("correct", {"supersedes": 1}, "vinyl", r"reason: Field required"),
    ("key", {"action": "add", "key": H32}, None, r"a key add needs public_key and role"),
    ("key", {"action": "rotate", "key": H32, "public_key": H64, "role": "admin"}, None, "replaces"),
    ("key", {"action": "revoke", "key": H32, "role": "admin"}, None, r"a key revoke names only"),
    ("key", {"action": "delete", "key": H32}, None, r"action: Input should be 'add'"),
    ("key", {"action": "revoke", "key": "A" * 32}, None, r"key: String should match pattern"),
    ("key", {"action": "add", "key": H32, "public_key": H64, "role": "boss"}, None, r"role:"),
]


@pytest.mark.parametrize(("etype", "data", "kind", "message"), BAD)
def test_invalid_payloads(etype: str, data: Any, kind: str | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_payload(etype, data, kind=kind)


PERSONAL = [
    "write to jane.doe+records@example.co.uk",
    "call +44 20 7946 0958",
    "phone 0049 30 1234567",
    "(555) 123-4567 after six",
]


@pytest.mark.parametrize("text", PERSONAL)
def test_personal_data_is_refused_in_free_text(text: str) -> None:
    with pytest.raises(InputError, match="personal data never goes in an event"):
        validate_payload("note", {"text": text}, kind="vinyl")
    with pytest.raises(InputError, match="invalid register data: title: looks like"):
        validate_payload("register", {**VINYL, "title": text}, kind=None)
    with pytest.raises(InputError, match="notes: looks like"):
        validate_payload("grade", {**VINYL_GRADE, "notes": text}, kind="vinyl")


@pytest.mark.parametrize(
    "text",
    [
        "BLP 1577",
        "pressed 1957-1962",
        "matrix XZAL-1234-1A",
        "33 1/3 rpm, 180 g",
        "1733097600",  # a Unix time: refused as a "phone number" before
        "barcode 4006381333931",
    ],
)
def test_catalogue_numbers_are_not_phone_numbers(text: str) -> None:
    assert validate_payload("note", {"text": text}, kind="vinyl") == {"text": text}


def test_correction_of_a_grade() -> None:
    payload = {"supersedes": 1, "reason": "re-examined", "data": {**VINYL_GRADE, "media": "NM"}}
    out = validate_correction(EventType.GRADE, payload, kind="vinyl")
    assert out is not None and out["media"] == "NM" and out["photos"] == []


def test_withdrawal() -> None:
    payload = {"supersedes": 2, "reason": "wrong item"}
    assert validate_correction(EventType.NOTE, payload, kind="vinyl") is None


@pytest.mark.parametrize(
    ("target", "payload", "message"),
    [
        (EventType.CORRECT, {"supersedes": 1, "reason": "x"}, "a correct event cannot be"),
        (EventType.KEY, {"supersedes": 1, "reason": "x"}, "a key event cannot be corrected"),
        (EventType.REGISTER, {"supersedes": 0, "reason": "x"}, "cannot be withdrawn"),
        (
            EventType.GRADE,
            {"supersedes": 1, "reason": "x", "data": FILM_GRADE},
            "a film grade does not fit a vinyl item",
        ),
        (
            EventType.NOTE,
            {"supersedes": 1, "reason": "x", "data": {"text": "a@b.example"}},
            "e-mail",
        ),
    ],
)
def test_invalid_corrections(target: EventType, payload: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_correction(target, payload, kind="vinyl")


def test_unknown_rules_are_refused() -> None:
    with pytest.raises(InputError, match="unknown rules 'lax'"):
        validate_payload("note", {"text": "x"}, kind="vinyl", rules="lax")  # type: ignore[arg-type]


def test_payload_errors_is_one_line() -> None:
    with pytest.raises(ValidationError) as info:
        VinylGrade.model_validate({"kind": "vinyl", "media": "EX"})
    line = payload_errors(info.value)
    assert "\n" not in line
    assert line.startswith("media: Input should be")
    assert "sleeve: Field required" in line and "method: Field required" in line


def test_models_are_frozen() -> None:
    grade = VinylGrade.model_validate(VINYL_GRADE, strict=False)
    with pytest.raises(ValidationError, match="frozen"):
        grade.media = Goldmine.M  # type: ignore[misc]


def test_roles() -> None:
    assert {r.value for r in Role} == {"admin", "registrar", "grader"}


_PHOTO = "ab" * 32


def test_a_side_may_be_text_or_a_structured_runout() -> None:
    side = {"text": " 1A ", "made": "mixed", "marks": ["▽", "AUDIO"], "photo": _PHOTO}
    data = {**VINYL, "matrix": {"A": "XZAL-1", "B": side}, "photos": [_PHOTO]}
    out = validate_payload(EventType.REGISTER, data, kind=None)
    assert out["matrix"] == {
        "A": "XZAL-1",
        "B": {"text": "1A", "made": "mixed", "marks": ["▽", "AUDIO"], "photo": _PHOTO},
    }
    # A stored event that gave every side as text, as every earlier version wrote, still reads.
    assert (
        validate_payload(EventType.REGISTER, VINYL, kind=None, rules="stored")["matrix"]
        == (VINYL["matrix"])
    )


@pytest.mark.parametrize(
    ("side", "photos", "message"),
    [
        ({"text": "1A", "photo": _PHOTO}, [], "its photo is not one of the event's photos"),
        ({"text": "1A", "made": "carved"}, [], r"matrix\.A\.side\.made: Input should be"),
        ({"made": "etched"}, [], r"matrix\.A\.side\.text: Field required"),
        ({"text": "1A", "plant": "jane@example.com"}, [], "plant: looks like an e-mail"),
        ({"text": "1A", "marks": ["call 020 7946 0958"]}, [], "marks.0: looks like a phone"),
        ({"text": "1A", "marks": ["m"] * 9}, [], "marks: List should have at most 8 items"),
        ({"text": "1A", "colour": "red"}, [], r"colour: Extra inputs are not permitted"),
        (7, [], r"matrix\.A\.side: Input should be a valid dictionary"),
    ],
)
def test_bad_runouts_are_refused(side: Any, photos: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_payload(
            EventType.REGISTER, {**VINYL, "matrix": {"A": side}, "photos": photos}, kind=None
        )
