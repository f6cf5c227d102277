"""The import rules, read from the source (see ``tests/layering.py``): the wings of the core
and their order, and what a command may load before it runs.

Each rule is also run on small synthetic modules that break it, so a checker that stopped
seeing imports would fail here rather than pass in silence.
"""

from __future__ import annotations

from textwrap import dedent

import pytest

from ..layering import (
    HEAVY,
    Source,
    heavy_imports_at_start,
    imports_of,
    layer_violations,
    load_sources,
    resolve_relative,
    wing_of,
)

#: Beside the heavy packages, ``provenance --help`` must not load these either: it needs
#: typer and the standard library only (the ledger's commands import them when they run).
HELP_FORBIDDEN = HEAVY | {"sqlalchemy", "pydantic", "pydantic_settings", "cryptography", "rich"}
HELP_FORBIDDEN |= {"alembic"}


@pytest.fixture(scope="module")
def sources() -> dict[str, Source]:
    return load_sources()


def _sources(*modules: tuple[str, str] | tuple[str, str, bool]) -> dict[str, Source]:
    """Synthetic modules: ``(name, source)`` or ``(name, source, is_package)``."""
    made = {}
    for name, text, *package in modules:
        made[name] = Source(name=name, text=dedent(text), is_package=bool(package and package[0]))
    return made


# -- the real code ---------------------------------------------------------------------------


def test_the_checker_reads_the_whole_code_base(sources: dict[str, Source]) -> None:
    # Every wing is there, and the function-local imports of the chain stack are seen (and
    # seen as not running at import), so the checks below have something to check.
    wings = {wing_of(name) for name in sources if name.split(".")[0] == "provenance"}
    assert wings >= {"root", "bottom", "keys", "privacy", "log", "ledger", "chain", "proof"}
    assert wings >= {"tags", "partners", "migrations"}
    assert {"provenance_cli.main", "provenance_cli.show", "provenance_api.app"} <= set(sources)
    web3 = [
        imp
        for imp in imports_of(sources["provenance.chain.endpoints"])
        if imp.target.startswith("web3")
    ]
    assert web3 and not any(imp.at_import for imp in web3)


def test_wings_import_only_their_own_wing_or_lower(sources: dict[str, Source]) -> None:
    problems = layer_violations(sources)
    assert not problems, "\n".join(problems)


def test_commands_load_no_heavy_package_before_they_run(sources: dict[str, Source]) -> None:
    problems = heavy_imports_at_start(sources, "provenance_cli.main")
    assert not problems, "\n".join(problems)


def test_help_loads_neither_the_database_nor_the_models(sources: dict[str, Source]) -> None:
    problems = heavy_imports_at_start(sources, "provenance_cli.main", HELP_FORBIDDEN)
    assert not problems, "\n".join(problems)


# -- reading imports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("importer", "is_package", "module", "level", "expected"),
    [
        ("provenance.log.tree", False, "merkle", 1, "provenance.log.merkle"),
        ("provenance.log.tree", False, None, 1, "provenance.log"),
        ("provenance.log.tree", False, "storage.tables", 2, "provenance.storage.tables"),
        ("provenance.log", True, "tree", 1, "provenance.log.tree"),
        ("provenance.log", True, "_lazy", 2, "provenance._lazy"),
        ("provenance_cli.show", False, "app", 1, "provenance_cli.app"),
        ("provenance.ledger.ledger", False, "sqlalchemy", 0, "sqlalchemy"),
    ],
)
def test_relative_imports_resolve(
    importer: str, is_package: bool, module: str | None, level: int, expected: str
) -> None:
    assert resolve_relative(importer, is_package=is_package, module=module, level=level) == (
        expected
    )


def test_relative_import_beyond_the_top_is_refused() -> None:
    with pytest.raises(ValueError, match="beyond the top package"):
        resolve_relative("provenance.vocab", is_package=False, module="x", level=3)


def test_imports_are_marked_by_when_they_run() -> None:
    [source] = _sources(
        (
            "provenance.tags.sample",
            """
            import json
            from typing import TYPE_CHECKING
            from . import codes
            if TYPE_CHECKING:
                from ..ledger.ledger import Ledger
            else:
                import csv
            try:
                import fpdf
            except ImportError:
                import zlib
            class Sheet:
                import io
                def draw(self):
                    import qrcode
            async def later():
                from ..chain import endpoints
            """,
        )
    ).values()
    found = {(imp.target, imp.at_import) for imp in imports_of(source)}
    assert found == {
        ("json", True),
        ("typing", True),
        ("provenance.tags", True),
        ("provenance.ledger.ledger", False),
        ("csv", True),
        ("fpdf", True),
        ("zlib", True),
        ("io", True),
        ("qrcode", False),
        ("provenance.chain", False),
    }


def test_modules_find_their_wing() -> None:
    assert wing_of("provenance") == "root"
    assert wing_of("provenance.errors") == "bottom"
    assert wing_of("provenance.storage.engine") == "bottom"
    assert wing_of("provenance.storage.migrations.versions.0001_ledger") == "migrations"
    assert wing_of("provenance.ledger.ledger") == "ledger"
    assert wing_of("provenance.partners") == "partners"
    assert wing_of("provenance.gossip.peers") is None


# -- each rule fires -------------------------------------------------------------------------


def test_an_upward_import_is_reported() -> None:
    problems = layer_violations(
        _sources(
            ("provenance.keys.signing", "def f():\n    from ..ledger.ledger import Ledger\n"),
            ("provenance.ledger.ledger", "Ledger = 1\n"),
        )
    )
    assert problems == [
        "provenance.keys.signing:2: provenance.keys.signing imports provenance.ledger.ledger: "
        "keys (rank 1) may import only its own wing or a lower rank, not ledger (rank 4)"
    ]


def test_an_import_between_peers_is_reported() -> None:
    problems = layer_violations(
        _sources(
            ("provenance.chain.anchored", "import provenance.ledger.events\n"),
            ("provenance.ledger.events", ""),
        )
    )
    assert len(problems) == 1
    assert problems[0].startswith("provenance.chain.anchored:1: ")
    assert "chain and ledger are peers (rank 4): neither may import the other" in problems[0]


def test_a_type_only_import_counts_for_the_layers() -> None:
    problems = layer_violations(
        _sources(
            (
                "provenance.log.tree",
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from ..proof.bundle import Bundle\n",
            ),
            ("provenance.proof.bundle", ""),
        )
    )
    assert len(problems) == 1 and "provenance.log.tree:3: " in problems[0]
    assert (
        "log (rank 3) may import only its own wing or a lower rank, not proof (rank 5)"
        in (problems[0])
    )


def test_a_circle_between_wings_is_reported() -> None:
    problems = layer_violations(
        _sources(
            ("provenance.ledger.ledger", "from ..log.tree import append\n"),
            ("provenance.log.tree", "def append():\n    from ..ledger import ledger\n"),
        )
    )
    circles = [p for p in problems if p.startswith("import circle")]
    assert circles == [
        "import circle between wings ledger -> log -> ledger: "
        "provenance.ledger.ledger:1 (provenance.ledger.ledger imports provenance.log.tree); "
        "provenance.log.tree:2 (provenance.log.tree imports provenance.ledger)"
    ]
    # The upward half of the circle is also reported on its own line.
    assert any(p.startswith("provenance.log.tree:2: ") for p in problems)


def test_importing_the_api_or_the_cli_is_reported() -> None:
    problems = layer_violations(
        _sources(
            ("provenance.tags.buyer", "def page():\n    from provenance_api.app import app\n"),
            ("provenance.proof.bundle", "import cli.output\n"),
            ("provenance.storage.migrations.env", "import provenance_cli.main\n"),
        )
    )
    assert len(problems) == 3
    for problem in problems:
        assert "nothing in provenance imports the API (provenance_api) or the CLI" in problem
    assert problems[2].startswith("provenance.tags.buyer:2: ")


def test_the_migrations_import_anything_and_nothing_imports_them() -> None:
    problems = layer_violations(
        _sources(
            ("provenance.storage.migrations.versions.v1", "from provenance.tags import codes\n"),
            ("provenance.storage.migrate", "from .migrations.versions import v1\n"),
            ("provenance.tags.codes", ""),
        )
    )
    assert problems == [
        "provenance.storage.migrate:1: provenance.storage.migrate imports "
        "provenance.storage.migrations.versions.v1: the Alembic scripts under "
        "provenance.storage.migrations are loaded by path; nothing in provenance imports them"
    ]


def test_the_facade_is_exempt_but_not_importable_from_a_wing() -> None:
    problems = layer_violations(
        _sources(
            ("provenance", "from .tags.codes import render_png\n", True),
            ("provenance.tags.codes", ""),
            ("provenance.log.tree", "from provenance import Ledger\n"),
        )
    )
    assert problems == [
        "provenance.log.tree:1: provenance.log.tree imports provenance: import the defining "
        "module, not the provenance facade (it re-exports every wing)"
    ]


def test_a_module_outside_every_wing_is_reported() -> None:
    problems = layer_violations(_sources(("provenance.gossip", "import json\n")))
    assert len(problems) == 1 and "module provenance.gossip belongs to no wing" in problems[0]


def test_a_clean_set_passes() -> None:
    assert not layer_violations(
        _sources(
            ("provenance.errors", ""),
            ("provenance.keys.signing", "from ..errors import InputError\n"),
            ("provenance.ledger.ledger", "from ..keys import signing\nfrom . import events\n"),
            ("provenance.ledger.events", ""),
            ("provenance.tags.codes", "def f():\n    from ..ledger.ledger import Ledger\n"),
        )
    )


def test_a_heavy_import_at_start_is_reported_with_its_path() -> None:
    problems = heavy_imports_at_start(
        _sources(
            ("provenance_cli.main", "from . import tags_cmd\n"),
            ("provenance_cli.tags_cmd", "from provenance.tags.codes import render_png\n"),
            ("provenance.tags.codes", "import json\nimport qrcode.constants\n"),
        ),
        "provenance_cli.main",
    )
    assert problems == [
        "provenance.tags.codes:2: provenance.tags.codes imports qrcode.constants when it is "
        "imported (provenance_cli.main -> provenance_cli.tags_cmd -> provenance.tags.codes); "
        "import it inside the function that uses it"
    ]


def test_a_lazy_re_export_read_at_start_counts_as_an_import() -> None:
    package = 'from ._lazy import lazy_exports\n_EXPORTS = {"serve": ".chain.devnet"}\n'
    problems = heavy_imports_at_start(
        _sources(
            ("provenance_cli.main", "from provenance import serve\n"),
            ("provenance", package, True),
            ("provenance._lazy", ""),
            ("provenance.chain", "", True),
            ("provenance.chain.devnet", "from web3 import Web3\n"),
        ),
        "provenance_cli.main",
    )
    assert len(problems) == 1
    assert "(provenance_cli.main -> provenance.chain.devnet)" in problems[0]


def test_imports_in_functions_or_for_type_checkers_are_not_loaded_at_start() -> None:
    assert not heavy_imports_at_start(
        _sources(
            (
                "provenance_cli.main",
                "from typing import TYPE_CHECKING\n"
                "from . import serve_cmd\n"
                "if TYPE_CHECKING:\n"
                "    from fastapi import FastAPI\n",
            ),
            ("provenance_cli.serve_cmd", "def serve():\n    import uvicorn\n"),
        ),
        "provenance_cli.main",
    )


def test_parent_packages_run_when_a_submodule_is_imported() -> None:
    problems = heavy_imports_at_start(
        _sources(
            ("provenance_cli.main", "import provenance.tags.labels\n"),
            ("provenance", "", True),
            ("provenance.tags", "from fpdf import FPDF\n", True),
            ("provenance.tags.labels", ""),
        ),
        "provenance_cli.main",
    )
    assert len(problems) == 1 and problems[0].startswith("provenance.tags:1: ")
