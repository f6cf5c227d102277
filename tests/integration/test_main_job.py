"""The main job, end to end: the README's non-interactive demo command, run from a clean
checkout (a fresh clone with its own virtual environment), and its outputs checked: the proof
bundle verifies, the tags and a tag cut from the label sheet decode, the audit passes."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
from pathlib import Path

import cairosvg
import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from provenance.proof.verifier import verify_bundle

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _decode(image: Image.Image) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(image)]


@pytest.mark.slow
def test_demo_no_serve_from_a_clean_checkout(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(checkout)], check=True, timeout=120)
    out, home = tmp_path / "out", tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROVENANCE_", "VIRTUAL_ENV"))}
    env.update(
        DEMO_OUT=str(out),
        PROVENANCE_HOME=str(home),
        DEMO_DEVNET_PORT=str(_free_port()),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    proc = subprocess.run(
        ["bash", "scripts/demo.sh", "--no-serve"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "✓ anchor" in proc.stdout  # verified against the chain during the story

    item = (out / "item.txt").read_text().strip()
    bundle = json.loads((out / f"{item}.proof.json").read_text())
    report = verify_bundle(bundle)  # the devnet is gone now: everything else still holds
    assert report.ok and report.check("inclusion").status == "passed"
    assert bundle["anchor"] is not None and bundle["unproven"] == []

    (url,) = _decode(Image.open(out / f"{item}.png"))
    assert url.startswith("http://127.0.0.1:8000/v/" + item + "?tag=")
    (svg,) = out.glob("*.svg")
    assert len(_decode(Image.open(io.BytesIO(cairosvg.svg2png(url=str(svg)))))) == 1
    page = pypdfium2.PdfDocument(str(out / "labels.pdf"))[0].render(scale=200 / 72).to_pil()
    assert len(_decode(page)) == 2

    # The store it left behind audits clean.
    audit = subprocess.run(
        [str(checkout / ".venv" / "bin" / "provenance"), "--json", "audit"],
        env={**env, "PROVENANCE_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert audit.returncode == 0, audit.stderr
    assert json.loads(audit.stdout)["findings"] == []
