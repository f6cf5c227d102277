"""``init`` and ``audit``."""

# Annotations stay objects, not strings (no __future__ import): see the package docstring.

import os
from typing import TYPE_CHECKING, Annotated

import typer

from provenance.errors import ConfigurationError

from ._chains import judge_recorded, judgement_json, print_judgements
from .app import app
from .context import LOG_KEY, state
from .output import console, emit, progress_bar

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__: list[str] = []


@app.command()
def init(
    store_name: Annotated[
        str,
        typer.Option(
            "--store-name",
            help="The store's name; it names the log.",
            envvar="PROVENANCE_STORE_NAME",
        ),
    ] = "Provenance store",
    admin_name: Annotated[
        str, typer.Option("--admin", help="Name of the first admin key.")
    ] = "admin",
) -> None:
    """Create or upgrade the database, record the store identity and create the admin key."""
    from provenance.keys.signing import SigningKey, validate_key_name
    from provenance.ledger.ledger import Ledger
    from provenance.log.transparency import TransparencyLog
    from provenance.storage import current_revision, make_engine, schema_head, upgrade

    validate_key_name(admin_name)
    url = state.settings.database_url
    engine = make_engine(url, create=True)
    before = current_revision(engine)
    upgrade(engine)
    ledger = Ledger(engine)
    created_key = False
    try:
        name = ledger.store_name()
    except ConfigurationError:
        name = None
    if name is None:
        files = state.key_files
        if files.exists(admin_name):
            admin = files.load(admin_name, state.passphrase(f"Passphrase for key {admin_name!r}"))
        else:
            admin = SigningKey.generate()
            files.write(
                admin_name, admin, state.new_passphrase(f"New passphrase for key {admin_name!r}")
            )
            created_key = True
        try:
            ledger.initialise(store_name=store_name, admin=admin, admin_name=admin_name)
        except Exception:
            if created_key:
                files.path(admin_name).unlink(missing_ok=True)
            raise
        name = store_name
    log_key_created = _ensure_log_key(engine, store_name=name)
    result = {
        "ok": True,
        "store": name,
        "log_origin": TransparencyLog(engine).identity().origin,
        "log_key_created": log_key_created,
        "database": engine.url.render_as_string(hide_password=True),
        "schema": schema_head(),
        "upgraded_from": before,
        "admin_key_created": created_key,
        "keys_dir": str(state.settings.keys_dir),
    }

    def human() -> None:
        if before is None:
            console.print(f"Created ledger for {name!r} in {result['database']}")
        elif before != schema_head():
            console.print(f"Upgraded ledger schema {before} -> {schema_head()}")
        else:
            console.print(f"Ledger for {name!r} is initialised and up to date")
        if created_key:
            console.print(f"Admin key {admin_name!r} written to {state.key_files.path(admin_name)}")
        if log_key_created:
            console.print(
                f"Log key for {result['log_origin']} written to {state.log_key_files.path(LOG_KEY)}"
            )

    emit(result, human)


def _ensure_log_key(engine: "Engine", *, store_name: str) -> bool:
    """Give the log its checkpoint key if it has none; return whether one was created."""
    from provenance.keys.signing import SigningKey
    from provenance.log.transparency import TransparencyLog

    log = TransparencyLog(engine)
    try:
        log.identity()
        return False
    except ConfigurationError:
        pass
    files = state.log_key_files
    if files.exists(LOG_KEY):
        key = files.load(
            LOG_KEY,
            os.environ.get("PROVENANCE_LOG_PASSPHRASE")
            or state.passphrase("Passphrase for the log key"),
        )
        log.set_identity(key, store_name=store_name)
        return False
    key = SigningKey.generate()
    path = files.write(
        LOG_KEY,
        key,
        os.environ.get("PROVENANCE_LOG_PASSPHRASE")
        or state.new_passphrase("New passphrase for the log key"),
    )
    try:
        log.set_identity(key, store_name=store_name)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return True


@app.command()
def audit() -> None:
    """Verify every signature, chain link, key and role in the ledger; exit 1 on any problem."""
    from provenance.ledger.chain_audit import audit as run_audit

    ledger = state.ledger()
    with progress_bar("Auditing", total=ledger.size()) as advance:
        report = run_audit(ledger.engine, progress=advance)
    # The chain is the judge: every recorded contract, when the store anchored anywhere.
    chains = judge_recorded(ledger.engine)
    diverged = [j for j in chains if j.status == "diverged"]
    ok = report.ok and not diverged
    result = {
        "ok": ok,
        "events": report.events,
        "items": report.items,
        "findings": [f.to_json() for f in report.findings],
        "chains": judgement_json(chains),
        "chains_unchecked": sum(j.status == "unchecked" for j in chains),
    }

    def human() -> None:
        for finding in report.findings:
            console.print(f"✗ {finding}")
        print_judgements(chains)
        if not chains:
            console.print("No contract recorded: the log is not held to any chain yet")
        problems = len(report.findings) + sum(len(j.problems) for j in diverged)
        verdict = "OK" if ok else f"FAILED: {problems} problem(s)"
        console.print(f"Audited {report.events} events in {report.items} items: {verdict}")

    emit(result, human)
    if not ok:
        raise typer.Exit(1)
