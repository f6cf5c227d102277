"""Physical tags and the buyer's view: QR tag codes and their commitments, PNG/SVG rendering,
printable label sheets, recorded scans, and the item view the buyer's page renders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .buyer import CheckLine, ItemView, item_view
    from .codes import IssuedTag, Verdict, issue_tag, render_png, render_svg, tag_url, tag_verdict
    from .labels import Label, write_sheet
    from .scans import ScanReport, record_scan, scan_notes, scan_report

__all__ = [
    "CheckLine",
    "IssuedTag",
    "ItemView",
    "Label",
    "ScanReport",
    "Verdict",
    "issue_tag",
    "item_view",
    "record_scan",
    "render_png",
    "render_svg",
    "scan_notes",
    "scan_report",
    "tag_url",
    "tag_verdict",
    "write_sheet",
]

_EXPORTS = {
    "IssuedTag": ".codes",
    "Verdict": ".codes",
    "issue_tag": ".codes",
    "render_png": ".codes",
    "render_svg": ".codes",
    "tag_url": ".codes",
    "tag_verdict": ".codes",
    "Label": ".labels",
    "write_sheet": ".labels",
    "ScanReport": ".scans",
    "record_scan": ".scans",
    "scan_notes": ".scans",
    "scan_report": ".scans",
    "CheckLine": ".buyer",
    "ItemView": ".buyer",
    "item_view": ".buyer",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
