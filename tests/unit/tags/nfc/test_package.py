"""The package names its public API lazily; every name resolves to its defining module."""

from __future__ import annotations

import importlib
from types import ModuleType

from provenance.tags import nfc


def test_every_public_name_resolves() -> None:
    for name in nfc.__all__:
        value = getattr(nfc, name)
        module = importlib.import_module(nfc._EXPORTS[name], "provenance.tags.nfc")
        assert getattr(module, name) is value
    assert set(nfc.__all__) == set(nfc._EXPORTS)


def test_no_public_name_is_hidden_by_a_submodule() -> None:
    # Importing a submodule sets it as an attribute of the package, hiding a lazy name of
    # the same spelling (which is why provision() is imported from its module).
    for module in ("keys", "provision", "query", "sdm", "tag_model", "uid", "verify", "ndef"):
        importlib.import_module(f"provenance.tags.nfc.{module}")
    for name in nfc.__all__:
        assert not isinstance(getattr(nfc, name), ModuleType), name
