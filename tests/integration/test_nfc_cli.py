"""``nfc provision``, ``nfc verify`` and ``nfc list`` through the real console script, with a
software tag written from what ``provision`` prints."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from provenance.storage import make_engine
from provenance.tags.nfc.keys import tag_keys
from provenance.tags.nfc.master import MasterKeyFile
from provenance.tags.nfc.tag_model import SoftTag
from provenance.tags.nfc.taps import check_tap
from provenance.tags.nfc.uid import uid_commitment

from .conftest import PASSPHRASE, Cli
from .test_cli import _one_line_error, sqlite_only
from .test_cli_startup import NOT_FOR_READS, run_and_list

pytestmark = sqlite_only

H = bytes.fromhex
UID = "04DE5F1EACC040"
UID2 = "04:A1:B2:C3:D4:E5:F6"
BASE = "https://shop.example/"


def _soft_tag(provisioned: dict[str, Any], uid: str) -> SoftTag:
    """The tag a writing app makes from the printed values (a UID as the app shows it)."""
    return SoftTag(
        uid=H(uid.replace(":", "")),
        meta_read_key=H(provisioned["meta_read_key"]),
        file_read_key=H(provisioned["file_read_key"]),
        ndef_file=H(provisioned["ndef_file"]),
        picc_data_offset=provisioned["picc_data_offset"],
        mac_input_offset=provisioned["mac_input_offset"],
        mac_offset=provisioned["mac_offset"],
    )


def _master(cli: Cli) -> bytes:
    return MasterKeyFile.in_home(cli.home).load(PASSPHRASE)


def _buyer_tap(cli: Cli, item: str, url: str) -> str:
    """A tap recorded as the buyer's page records it (the page is not part of this CLI)."""
    engine = make_engine(cli.db_url)
    try:
        verdict = check_tap(
            engine, item=item, url_or_query=url, master_key=_master(cli), record=True
        )
    finally:
        engine.dispose()
    return verdict.verdict


def _flip_cmac(url: str) -> str:
    parts = urlsplit(url)
    query = parts.query
    i = query.index("cmac=") + len("cmac=")
    flipped = f"{int(query[i], 16) ^ 8:X}"
    return parts._replace(query=query[:i] + flipped + query[i + 1 :]).geturl()


def test_provision_verify_list(cli: Cli, item: str) -> None:
    provisioned = cli.ok("nfc", "provision", item, "--uid", UID, "--base-url", BASE, key="rick")
    assert provisioned["url_template"] == (
        f"https://shop.example/n/{item}?picc_data={'0' * 32}&cmac={'0' * 16}"
    )
    assert provisioned["uid_commitment"] == uid_commitment(H(UID))
    # Offsets count from the NDEF file's start: the URL after "https://" begins at byte 7.
    template = provisioned["url_template"]
    for name, offset in (("picc_data=", "picc_data_offset"), ("cmac=", "mac_offset")):
        assert provisioned[offset] == 7 + template.index(name) + len(name) - len("https://")
    assert provisioned["mac_input_offset"] == provisioned["mac_offset"]
    assert provisioned["file_settings"].startswith("4000E0C1FF12")
    assert (provisioned["last_counter"], provisioned["master_key_created"]) == (None, True)
    # The master key was made on this first provisioning, encrypted under the passphrase.
    master_file = cli.home / "nfc-key" / "master"
    assert stat.S_IMODE(master_file.stat().st_mode) == 0o600
    keys = tag_keys(_master(cli), H(UID))
    assert provisioned["meta_read_key"] == keys.meta_read.hex().upper()
    assert provisioned["file_read_key"] == keys.file_read.hex().upper()
    assert provisioned["app_master_key"] == keys.app_master.hex().upper()

    tag = _soft_tag(provisioned, UID)
    url = tag.tap()
    assert url.startswith(f"https://shop.example/n/{item}?picc_data=")
    # Staff checks: genuine, and again genuine, because they do not advance the counter.
    for _ in range(2):
        checked = cli.ok("nfc", "verify", url)
        assert (checked["verdict"], checked["counter"], checked["recorded"]) == (
            "genuine",
            1,
            False,
        )
    human = cli.run("nfc", "verify", url)
    assert human.code == 0 and human.out.startswith("GENUINE: This tag is the one")
    # The buyer's tap is accepted; after it the same URL is a copy.
    assert _buyer_tap(cli, item, url) == "genuine"
    copied = cli.run("--json", "nfc", "verify", url)
    assert copied.code == 1
    assert (copied.json()["ok"], copied.json()["verdict"]) == (False, "copied")
    assert cli.run("nfc", "verify", url).out.startswith("COPIED: This URL was read")
    assert cli.ok("nfc", "verify", tag.tap())["verdict"] == "genuine"
    # One flipped bit in the MAC.
    bad = cli.run("nfc", "verify", _flip_cmac(tag.tap()))
    assert bad.code == 1 and bad.out.startswith("MALFORMED: This is not a message")

    listed = cli.ok("nfc", "list", item)
    assert [(t["state"], t["commitment"], t["last_counter"]) for t in listed["tags"]] == [
        ("current", uid_commitment(H(UID)), 1)
    ]
    human_list = cli.run("nfc", "list", item)
    assert human_list.code == 0 and uid_commitment(H(UID))[:12] in human_list.out

    # A new tag for the item revokes the first.
    second = cli.ok("nfc", "provision", item, "--uid", UID2, "--base-url", BASE, key="rick")
    assert second["master_key_created"] is False
    revoked = cli.run("--json", "nfc", "verify", tag.tap())
    assert revoked.code == 1 and revoked.json()["verdict"] == "revoked"
    assert cli.run("nfc", "verify", tag.tap()).out.startswith("REVOKED: The store replaced")
    assert cli.ok("nfc", "verify", _soft_tag(second, UID2).tap())["verdict"] == "genuine"
    assert [t["state"] for t in cli.ok("nfc", "list", item)["tags"]] == ["revoked", "current"]

    shown = cli.ok("show", item)
    assert [e["type"] for e in shown["events"]][-2:] == ["tag", "tag"]
    assert cli.ok("audit")["findings"] == []

    # Neither the UIDs nor the master key are anywhere in the store's database or its output.
    needles = [H(UID), H(UID2.replace(":", "")), _master(cli)]
    needles += [n.hex().encode() for n in needles] + [n.hex().upper().encode() for n in needles]
    for path in cli.home.glob("ledger.db*"):
        data = path.read_bytes()
        assert not any(n in data for n in needles), path.name
    out = (cli.run("nfc", "list", item).out + cli.run("--json", "nfc", "list", item).out).encode()
    assert not any(n in out for n in needles)


def test_bad_input_is_one_line(cli: Cli, item: str, tmp_path: Path) -> None:
    before = cli.snapshot()
    _one_line_error(
        cli.run("nfc", "provision", item, "--uid", "04DE5F", key="rick"), 2, "14 hex digits"
    )
    _one_line_error(
        cli.run("nfc", "provision", item, "--uid", "05DE5F1EACC040", key="rick"),
        2,
        "does not start with 04",
    )
    _one_line_error(
        cli.run("nfc", "provision", item, "--uid", "04DE5F1EACC0ZZ", key="rick"), 2, "hex digits"
    )
    _one_line_error(
        cli.run("nfc", "provision", "00000-00000-0", "--uid", UID, key="rick"), 3, "no item"
    )
    _one_line_error(
        cli.run("nfc", "provision", item, "--uid", UID, "--base-url", "ftp://x", key="rick"),
        2,
        "base URL",
    )
    _one_line_error(cli.run("nfc", "provision", item, "--uid", UID, key="anna"), 6, "may not sign")
    _one_line_error(cli.run("nfc", "verify", f"{BASE}v/{item}?tag=X"), 2, "not a tag URL")
    url = f"https://shop.example/n/{item}?picc_data={'0' * 32}&cmac={'0' * 16}"
    _one_line_error(cli.run("nfc", "verify", url), 4, "no NFC master key")
    _one_line_error(cli.run("nfc", "list", "00000-00000-0"), 3, "no item")
    assert cli.snapshot() == before  # nothing was written
    assert not (cli.home / "nfc-key").exists()  # nor a master key made for nothing
    assert cli.ok("nfc", "list", item)["tags"] == []


def test_the_master_key_passphrase(cli: Cli, item: str) -> None:
    own = {"PROVENANCE_NFC_PASSPHRASE": "nfc-secret-1"}
    result = cli.run("--json", "nfc", "provision", item, "--uid", UID, key="rick", env=own)
    assert result.code == 0, result.err
    assert result.json()["master_key_created"] is True
    human = cli.run("nfc", "provision", item, "--uid", UID, key="rick", env=own)
    assert human.code == 0 and "Created the store's NFC master key" not in human.err
    assert "provisioned before and read up to" not in human.err  # never tapped
    url = _soft_tag(result.json(), UID).tap()
    # Without its own passphrase the key does not open with the staff passphrase.
    _one_line_error(cli.run("nfc", "verify", url), 4, "cannot unlock the NFC master key")
    assert cli.run("nfc", "verify", url, env=own).code == 0
    # A store with NFC tags whose master key went missing refuses to make a new one.
    (cli.home / "nfc-key" / "master").rename(cli.home / "master.bak")
    _one_line_error(
        cli.run("nfc", "provision", item, "--uid", UID2, key="rick", env=own),
        4,
        "restore the file from a backup",
    )


def test_verify_loads_no_heavy_package(cli: Cli, item: str) -> None:
    provisioned = cli.ok("nfc", "provision", item, "--uid", UID, key="rick")
    assert provisioned["url_template"].startswith("http://127.0.0.1:8000/n/")  # the default
    result, loaded = run_and_list(cli, "--json", "nfc", "verify", _soft_tag(provisioned, UID).tap())
    assert result.code == 0, result.err
    assert not loaded & NOT_FOR_READS, sorted(loaded & NOT_FOR_READS)


def test_the_tap_page_says_genuine_then_copied(cli: Cli, item: str, monkeypatch: Any) -> None:
    from fastapi.testclient import TestClient
    from provenance_api import create_app

    provisioned = cli.ok("nfc", "provision", item, "--uid", UID, "--base-url", BASE, key="rick")
    tag = _soft_tag(provisioned, UID)
    url = tag.tap()
    monkeypatch.setenv("PROVENANCE_HOME", str(cli.home))
    monkeypatch.setenv("PROVENANCE_PASSPHRASE", PASSPHRASE)
    engine = make_engine(cli.db_url)
    try:
        with TestClient(create_app(engine)) as client:
            path = urlsplit(url).path + "?" + urlsplit(url).query
            first = client.get(path)
            assert first.status_code == 200, first.text
            assert 'data-verdict="pending"' in first.text  # genuine tag, not yet sealed
            assert "Secure NFC tag" in first.text
            again = client.get(path)  # the same URL: a copy of the tap
            assert again.status_code == 200
            assert 'data-verdict="failed"' in again.text
            broken = client.get(
                urlsplit(_flip_cmac(url)).path + "?" + urlsplit(_flip_cmac(url)).query
            )
            assert 'data-verdict="failed"' in broken.text
            assert client.get(f"/n/{item}?picc_data=zz&cmac=00").status_code == 200
    finally:
        engine.dispose()
