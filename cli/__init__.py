"""The staff CLI, installed as ``provenance_cli`` behind the ``provenance`` console script.

Start-up rule: a command imports only what it uses. Every command module is imported for
``provenance --help`` and for every command, so at module level they import only typer, the
standard library and the light parts of the core (``provenance.errors``, ``provenance.vocab``,
``provenance.ledger.grading``); the ledger, the chain, the tags and the rest are imported
inside the commands that use them, and names needed only by type checkers sit under
``if TYPE_CHECKING:``. The command modules also leave out ``from __future__ import
annotations``: Typer reads every command's annotations when the app starts (twice each), and
real objects cost it far less than strings it must compile and evaluate. (Annotations of
helpers that name a lazily imported class are quoted.) ``tests/unit/test_layering.py`` and
``tests/integration/test_cli_startup.py`` hold the rule.
"""
