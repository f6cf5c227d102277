"""A tap checked end to end with the store's keys, and the replay judgement on its counter.

:func:`verify_tap` is what the server runs on ``/n/{item}?picc_data=...&cmac=...``:

1. decrypt PICCData with the store's meta-read key (one per store, :mod:`.keys`): this
   names the tag's UID and its read counter;
2. derive that UID's file-read key from the master key and check the SDM MAC under it.

What the UID means (whose tag, newest or revoked, this item or another) is read from the
signed ``tag`` events by their UID commitment; whether the counter is new is
:func:`judge_counter` against the highest counter the store has accepted for the tag. Both are
the caller's, because both need the database.
"""

from __future__ import annotations

from typing import Literal

from ...errors import InputError, TagError
from .keys import file_read_key, meta_read_key
from .query import TapParams
from .sdm import COUNTER_MAX, PiccData, decrypt_picc_data, verify_sdm_mac

__all__ = ["Freshness", "judge_counter", "verify_tap"]

Freshness = Literal["fresh", "replayed"]


def verify_tap(*, master_key: bytes, params: TapParams) -> PiccData:
    """Decrypt and authenticate one tap; raise :class:`TagError` if it does not verify."""
    # 1. PICCData under the store-wide meta-read key.
    tap = decrypt_picc_data(meta_read_key(master_key), params.picc_data)
    # 2. The SDM MAC under the per-tag file-read key of the UID it names. A UID that is not
    #    an NXP UID cannot be one of our tags; say so as a failed check, not as bad input.
    try:
        key = file_read_key(master_key, tap.uid)
    except InputError as exc:
        raise TagError(f"the tap names UID {tap.uid_hex}, which is not an NXP UID") from exc
    verify_sdm_mac(key, uid=tap.uid, counter=tap.counter, cmac=params.cmac)
    return tap


def judge_counter(last_accepted: int | None, counter: int) -> Freshness:
    """``"fresh"`` if ``counter`` is above the last accepted counter (or none was), else
    ``"replayed"``: a URL copied from an earlier tap carries an old counter.

    The tag increments SDMReadCtr on every read, so a genuine new tap always carries a
    higher counter than any earlier one. Counters outside 24 bits are refused as input.
    """
    for value in (last_accepted, counter):
        if value is not None and not 0 <= value <= COUNTER_MAX:
            raise InputError(f"SDMReadCtr {value} is outside 0..{COUNTER_MAX} (24 bits)")
    if last_accepted is None or counter > last_accepted:
        return "fresh"
    return "replayed"
