"""QR tags: commitments and verdicts, and every rendering (PNG, SVG, a tag cut from a PDF or
SVG label sheet) decoded by a real decoder, zxing-cpp."""

from __future__ import annotations

import io
from pathlib import Path

import cairosvg
import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from provenance import Ledger, audit
from provenance.errors import InputError, RoleError
from provenance.ledger.schemas import EventType
from provenance.tags.codes import (
    issue_tag,
    new_tag_code,
    render_png,
    render_svg,
    tag_commitment,
    tag_url,
    tag_verdict,
)
from provenance.tags.labels import PAPER_MM, TAG_H_MM, TAG_MM, Label, layout, write_sheet

from ...samples import VINYL, Staff

BASE = "http://127.0.0.1:8000"
ITEM = "7KQ2M-9XDPA-G"


def _decode(image: Image.Image) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(image)]


def test_commitment_and_url() -> None:
    code = new_tag_code()
    assert len(code) == 12
    assert tag_commitment(ITEM, code) == tag_commitment(ITEM.lower(), code.lower())
    assert tag_commitment(ITEM, code) != tag_commitment("40TNN-N6Y2B-W", code)
    assert tag_url(BASE + "/", ITEM, code) == f"{BASE}/v/{ITEM}?tag={code}"
    with pytest.raises(InputError, match="base URL"):
        tag_url("ftp://shop", ITEM, code)
    with pytest.raises(InputError, match="12 symbols"):
        tag_commitment(ITEM, "short")


def test_verdicts(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    events = lambda: [s.event for s in ledger.history(item)]  # noqa: E731
    assert tag_verdict(item, events(), "ABCDEFGHJKMN") == "untagged"
    first = issue_tag(ledger, signer=staff.registrar, item=item, base_url=BASE)
    assert tag_verdict(item, events(), first.code) == "genuine"
    second = issue_tag(ledger, signer=staff.registrar, item=item, base_url=BASE)
    assert tag_verdict(item, events(), second.code) == "genuine"
    assert tag_verdict(item, events(), first.code) == "revoked"
    assert tag_verdict(item, events(), new_tag_code()) == "wrong"
    assert tag_verdict(item, events(), "not a code") == "wrong"
    assert tag_verdict(item, events(), None) == "none"
    # Another item's genuine code is wrong here.
    other = ledger.register(signer=staff.registrar, data=VINYL).event.item
    theirs = issue_tag(ledger, signer=staff.registrar, item=other, base_url=BASE)
    assert tag_verdict(item, events(), theirs.code) == "wrong"
    assert audit(ledger.engine).ok


def test_only_registrars_and_admins_tag(ledger: Ledger, staff: Staff) -> None:
    item = ledger.register(signer=staff.registrar, data=VINYL).event.item
    with pytest.raises(RoleError):
        issue_tag(ledger, signer=staff.grader, item=item, base_url=BASE)
    issue_tag(ledger, signer=staff.admin, item=item, base_url=BASE)
    with pytest.raises(InputError, match="tag event cannot be corrected"):
        ledger.append(
            signer=staff.admin,
            item=item,
            event_type=EventType.CORRECT,
            data={"supersedes": 1, "reason": "oops", "data": None},
        )


def test_png_and_svg_decode() -> None:
    url = tag_url(BASE, ITEM, new_tag_code())
    png = Image.open(io.BytesIO(render_png(url, ITEM)))
    assert _decode(png) == [url]
    svg = render_svg(url, ITEM)
    assert ITEM in svg
    rendered = Image.open(io.BytesIO(cairosvg.svg2png(bytestring=svg.encode())))
    assert _decode(rendered) == [url]


def _labels(n: int) -> list[Label]:
    return [Label(tag_url(BASE, ITEM, new_tag_code()), ITEM) for _ in range(n)]


def _cut(page: Image.Image, paper: str, slot: int) -> Image.Image:
    """Cut one tag (with a little margin) out of a rendered page, as scissors would."""
    width_mm, _ = PAPER_MM[paper]
    px_per_mm = page.width / width_mm
    x, y = layout(paper)[slot]
    box = (x - 3, y - 3, x + TAG_MM + 3, y + TAG_H_MM + 3)
    return page.crop(tuple(int(v * px_per_mm) for v in box))  # type: ignore[arg-type]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_pdf_sheet_tags_decode(tmp_path: Path, paper: str) -> None:
    labels = _labels(14)  # 12 per page: two pages
    (path,) = write_sheet(labels, tmp_path / "sheet.pdf", paper=paper)
    pdf = pypdfium2.PdfDocument(str(path))
    assert len(pdf) == 2
    width_pt, _height_pt = pdf[0].get_size()
    assert abs(width_pt / 72 * 25.4 - PAPER_MM[paper][0]) < 0.5
    page1 = pdf[0].render(scale=300 / 72).to_pil()
    page2 = pdf[1].render(scale=300 / 72).to_pil()
    assert _decode(_cut(page1, paper, 0)) == [labels[0].url]
    assert _decode(_cut(page1, paper, 11)) == [labels[11].url]
    assert _decode(_cut(page2, paper, 1)) == [labels[13].url]
    assert sorted(_decode(page1)) == sorted(label.url for label in labels[:12])


def test_svg_sheet_tags_decode(tmp_path: Path) -> None:
    labels = _labels(13)
    files = write_sheet(labels, tmp_path / "sheet.svg", paper="a4")
    assert [f.name for f in files] == ["sheet.svg", "sheet-2.svg"]
    width_px = int(PAPER_MM["a4"][0] / 25.4 * 200)
    page = Image.open(
        io.BytesIO(cairosvg.svg2png(url=str(files[0]), output_width=width_px))
    ).convert("L")
    assert _decode(_cut(page, "a4", 5)) == [labels[5].url]


def test_sheet_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no items"):
        write_sheet([], tmp_path / "s.pdf")
    with pytest.raises(InputError, match=r"\.pdf or \.svg"):
        write_sheet(_labels(1), tmp_path / "s.png")
    with pytest.raises(InputError, match="a4 or letter"):
        write_sheet(_labels(1), tmp_path / "s.pdf", paper="a3")
