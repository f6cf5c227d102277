"""Secure NFC tags (NXP NTAG 424 DNA, Secure Dynamic Messaging per AN12196).

Each read of such a tag yields a fresh URL: the tag's UID and read counter encrypted
(``picc_data``) and a MAC over them (``cmac``) under per-tag keys diversified from the
store's master key (AN10922). Quick start::

    from provenance.tags.nfc import judge_counter, parse_tap_query, verify_tap
    from provenance.tags.nfc.provision import provision

    p = provision(base_url="https://shop.example", item=item, uid=uid, master_key=master)
    tap = verify_tap(master_key=master, params=parse_tap_query(query))  # raises TagError
    judge_counter(last_accepted, tap.counter)                           # "fresh"/"replayed"

Against the store (the signed ``tag`` events and the ``nfc_counters`` table)::

    from provenance.tags.nfc import MasterKeyFile, bind_tag, check_tap

    master = MasterKeyFile.in_home(home).load(passphrase)
    bound = bind_tag(ledger, signer=key, item=item, uid=uid, master_key=master, base_url=url)
    verdict = check_tap(engine, item=item, url_or_query=query, master_key=master, record=True)
    verdict.verdict  # "genuine" / "copied" / "other-item" / "revoked" / "malformed"

:class:`SoftTag` is a software tag written from the specification, for tests and the docs.
``provision`` is imported from its module: re-exported here, the name would clash with the
submodule ``provenance.tags.nfc.provision`` once that is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._lazy import lazy_exports

if TYPE_CHECKING:
    from .binding import NfcBinding, NfcTagListing, bind_tag, nfc_tags
    from .keys import TagKeys, diversify_aes128, tag_keys
    from .master import MasterKeyFile
    from .provision import Provisioning
    from .query import TapParams, parse_tap_params, parse_tap_query
    from .sdm import PiccData, verify_plain_sun, verify_sun
    from .tag_model import SoftTag
    from .taps import NfcVerdict, check_tap, split_tap_url
    from .uid import parse_uid, uid_commitment
    from .verify import Freshness, judge_counter, verify_tap

__all__ = [
    "Freshness",
    "MasterKeyFile",
    "NfcBinding",
    "NfcTagListing",
    "NfcVerdict",
    "PiccData",
    "Provisioning",
    "SoftTag",
    "TagKeys",
    "TapParams",
    "bind_tag",
    "check_tap",
    "diversify_aes128",
    "judge_counter",
    "nfc_tags",
    "parse_tap_params",
    "parse_tap_query",
    "parse_uid",
    "split_tap_url",
    "tag_keys",
    "uid_commitment",
    "verify_plain_sun",
    "verify_sun",
    "verify_tap",
]

_EXPORTS = {
    "NfcBinding": ".binding",
    "NfcTagListing": ".binding",
    "bind_tag": ".binding",
    "nfc_tags": ".binding",
    "MasterKeyFile": ".master",
    "NfcVerdict": ".taps",
    "check_tap": ".taps",
    "split_tap_url": ".taps",
    "TagKeys": ".keys",
    "diversify_aes128": ".keys",
    "tag_keys": ".keys",
    "Provisioning": ".provision",
    "TapParams": ".query",
    "parse_tap_params": ".query",
    "parse_tap_query": ".query",
    "PiccData": ".sdm",
    "verify_plain_sun": ".sdm",
    "verify_sun": ".sdm",
    "SoftTag": ".tag_model",
    "parse_uid": ".uid",
    "uid_commitment": ".uid",
    "Freshness": ".verify",
    "judge_counter": ".verify",
    "verify_tap": ".verify",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
