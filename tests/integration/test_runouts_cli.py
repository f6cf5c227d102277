"""``register`` with structured runouts: each side's text, how it was made, its marks and its
photo, through the real console script; ``--matrix A=...`` alone keeps writing plain text."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ._shops import photo
from .conftest import Cli
from .test_cli import _one_line_error, sqlite_only

pytestmark = sqlite_only

VINYL = ["register", "--kind", "vinyl", "--title", "Blue Train", "--artist", "John Coltrane"]


def _register_data(cli: Cli, item: str) -> dict[str, object]:
    shown = cli.ok("show", item)
    data = shown["events"][0]["data"]
    assert isinstance(data, dict)
    return data


def test_sides_with_details_and_photos(cli: Cli, tmp_path: Path) -> None:
    side_a, label = tmp_path / "side-a.jpg", tmp_path / "label.jpg"
    side_a.write_bytes(photo("runout", text="BLP-1577-A"))
    label.write_bytes(photo("label"))
    out = cli.ok(
        *VINYL,
        "--matrix", "A=BN-LP-1577-A", "--matrix", "b=BN-LP-1577-B",
        "--runout-made", "A=Etched", "--runout-engineer", "A=RVG",
        "--runout-plant", "A=ear", "--runout-mark", "A=P", "--runout-mark", "A=9M",
        "--runout-photo", f"A={side_a}", "--photo", str(label),
        key="rick",
    )  # fmt: skip
    data = _register_data(cli, out["item"])
    sha_a = hashlib.sha256(side_a.read_bytes()).hexdigest()
    assert data["matrix"] == {
        "A": {
            "text": "BN-LP-1577-A",
            "made": "etched",
            "engineer": "RVG",
            "plant": "ear",
            "marks": ["P", "9M"],
            "photo": sha_a,
        },
        "B": "BN-LP-1577-B",  # text only: written as before
    }
    assert data["photos"] == [hashlib.sha256(label.read_bytes()).hexdigest(), sha_a]
    assert cli.ok("show", out["item"])["ok"] is True  # the photo checks out against its hash


def test_the_same_photo_twice_is_stored_once(cli: Cli, tmp_path: Path) -> None:
    side = tmp_path / "side.jpg"
    side.write_bytes(photo("runout"))
    out = cli.ok(
        *VINYL, "--matrix", "A=X-1", "--runout-photo", f"A={side}", "--photo", str(side),
        key="rick",
    )  # fmt: skip
    assert len(_register_data(cli, out["item"])["photos"]) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--runout-made", "A=etched"], "--runout-made A=... needs the side's text too"),
        (["--matrix", "A=X-1", "--runout-made", "A=carved"], "stamped, etched or mixed"),
        (["--matrix", "A=X-1", "--runout-plant", "A"], "--runout-plant takes SIDE=VALUE"),
        (
            ["--matrix", "A=X-1", "--runout-engineer", "A=call 020 7946 0958"],
            "matrix.A.side.engineer: looks like a phone number",
        ),
        (["--matrix", "A=X-1", "--runout-photo", "A=/no/such.jpg"], "no such photo file"),
    ],
)
def test_bad_runouts_are_one_line_and_change_nothing(
    cli: Cli, args: list[str], needle: str
) -> None:
    before = cli.snapshot()
    _one_line_error(cli.run(*VINYL, *args, key="rick"), 2, needle)
    assert cli.snapshot() == before


def test_runout_options_do_not_apply_to_film(cli: Cli) -> None:
    film = ["register", "--kind", "film", "--title", "T", "--gauge", "16mm"]
    _one_line_error(
        cli.run(*film, "--runout-made", "A=etched", key="rick"),
        2,
        "--runout-made does not apply to a film item",
    )
