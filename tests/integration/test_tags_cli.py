"""``tag``, ``labels`` and ``scans`` through the real console script."""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image

from .conftest import Cli
from .test_cli import _one_line_error, sqlite_only

pytestmark = sqlite_only


def test_tag_labels_scans(cli: Cli, item: str, tmp_path: Path) -> None:
    png = tmp_path / "tag.png"
    issued = cli.ok("tag", item, "-o", str(png), "--base-url", "https://shop.example/", key="rick")
    assert issued["url"].startswith(f"https://shop.example/v/{item}?tag=")
    assert [b.text for b in zxingcpp.read_barcodes(Image.open(png))] == [issued["url"]]
    sheet = cli.ok("labels", item, "-o", str(tmp_path / "s.svg"), "--paper", "letter", key="rick")
    assert sheet["files"] == [str(tmp_path / "s.svg")] and len(sheet["tags"]) == 1
    shown = cli.ok("show", item)
    assert [e["type"] for e in shown["events"]][-2:] == ["tag", "tag"]
    scans = cli.ok("scans", item)
    assert (scans["total"], scans["flags"]) == (0, [])
    assert cli.ok("audit")["findings"] == []


def test_bad_input(cli: Cli, item: str, tmp_path: Path) -> None:
    before = cli.snapshot()
    _one_line_error(
        cli.run("tag", item, "-o", str(tmp_path / "t.gif"), key="rick"), 2, ".png or .svg"
    )
    _one_line_error(
        cli.run("labels", item, "00000-00000-0", "-o", str(tmp_path / "s.pdf"), key="rick"),
        3,
        "no item 00000-00000-0",
    )
    _one_line_error(
        cli.run("labels", item, "-o", str(tmp_path / "s.pdf"), "--paper", "a3", key="rick"),
        2,
        "use a4 or letter",
    )
    _one_line_error(cli.run("tag", item, key="anna"), 6, "may not sign tag")
    _one_line_error(cli.run("tag", item, "--base-url", "ftp://x", key="rick"), 2, "base URL")
    _one_line_error(cli.run("scans", "00000-00000-0"), 3, "no item")
    assert cli.snapshot() == before  # nothing was issued
