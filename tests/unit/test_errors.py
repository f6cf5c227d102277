"""The exception hierarchy is part of the API: callers pick a branch by what they can do."""

from __future__ import annotations

import pytest

import provenance
from provenance import errors
from provenance.errors import (
    AnchorError,
    AuthorizationError,
    ChainBreakError,
    ChainError,
    ChainUnavailableError,
    CheckpointError,
    ConfigurationError,
    ConflictError,
    EventFormatError,
    HashMismatchError,
    InputError,
    KeyStateError,
    LogDivergedError,
    NoSuchError,
    NotFoundError,
    PassphraseError,
    ProofError,
    ProvenanceError,
    RevokedKeyError,
    RoleError,
    RootMismatchError,
    SignatureError,
    TagError,
    UnknownKeyError,
    VerificationError,
)

# (class, its direct base classes) for every public error.
HIERARCHY: list[tuple[type[Exception], tuple[type[Exception], ...]]] = [
    (ProvenanceError, (Exception,)),
    (InputError, (ProvenanceError, ValueError)),
    (NotFoundError, (InputError,)),
    (KeyStateError, (InputError,)),
    (ConfigurationError, (ProvenanceError,)),
    (PassphraseError, (ConfigurationError,)),
    (ConflictError, (ProvenanceError,)),
    (VerificationError, (ProvenanceError,)),
    (EventFormatError, (VerificationError,)),
    (HashMismatchError, (VerificationError,)),
    (RootMismatchError, (HashMismatchError,)),
    (ProofError, (VerificationError,)),
    (CheckpointError, (VerificationError,)),
    (AnchorError, (VerificationError,)),
    (LogDivergedError, (AnchorError,)),
    (NoSuchError, (InputError,)),
    (ChainError, (ConfigurationError,)),
    (ChainUnavailableError, (ChainError,)),
    (SignatureError, (VerificationError,)),
    (ChainBreakError, (VerificationError,)),
    (UnknownKeyError, (VerificationError,)),
    (AuthorizationError, (VerificationError,)),
    (RoleError, (AuthorizationError,)),
    (RevokedKeyError, (AuthorizationError,)),
    (TagError, (VerificationError,)),
]


@pytest.mark.parametrize(("cls", "bases"), HIERARCHY, ids=lambda v: getattr(v, "__name__", ""))
def test_hierarchy(cls: type[Exception], bases: tuple[type[Exception], ...]) -> None:
    assert cls.__bases__ == bases


def test_every_public_error_is_listed() -> None:
    assert set(errors.__all__) == {cls.__name__ for cls, _ in HIERARCHY}
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), ProvenanceError)


def test_package_reexports_are_the_same_classes() -> None:
    for name in provenance.__all__:
        if name.endswith("Error"):
            assert getattr(provenance, name) is getattr(errors, name)


def test_input_errors_are_value_errors() -> None:
    # Callers that only know the standard library can still catch bad input.
    with pytest.raises(ValueError, match="no such thing"):
        raise NotFoundError("no such thing")


def test_verification_errors_are_not_value_errors() -> None:
    # A failed check is not "bad input": code catching ValueError must not swallow it.
    assert not issubclass(VerificationError, ValueError)
    assert not issubclass(ConflictError, ValueError)
    assert not issubclass(ConfigurationError, ValueError)


def test_hash_mismatch_carries_expected_and_calculated() -> None:
    exc = HashMismatchError("stored event hash", expected="aa", calculated="bb")
    assert exc.expected == "aa"
    assert exc.calculated == "bb"
    with pytest.raises(VerificationError, match="stored event hash: expected aa, calculated bb"):
        raise exc
