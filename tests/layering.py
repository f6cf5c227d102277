"""Import rules of the code base, checked from the source with :mod:`ast` (nothing imported).

Two checks, used by ``tests/unit/test_layering.py``:

* :func:`layer_violations`: the wings of ``provenance`` and their order (docs/ARCHITECTURE.md).
  A module may import its own wing or a lower rank, never a higher rank nor a peer of its
  rank; wings must not import each other in a circle; the Alembic scripts under
  ``provenance.storage.migrations`` may import anything and nothing imports them; nothing in
  ``provenance`` imports the API or the CLI. Every import counts: function-local ones and
  those under ``if TYPE_CHECKING:`` too.
* :func:`heavy_imports_at_start`: the modules a command loads before it runs (the console
  script's module and everything it imports at module level, transitively, through the CLI
  and the core) must not import the chain, web or PDF stacks. Here only imports that run at
  import time count: not those inside functions, nor those under ``if TYPE_CHECKING:``; but a
  ``from package import name`` of a lazily re-exported name counts as an import of the module
  that defines it (see ``provenance/_lazy.py``).

Sources are given as :class:`Source` values, so the tests can run both checks on small
synthetic modules and prove that each rule fires.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "API_AND_CLI",
    "HEAVY",
    "RANKS",
    "ROOT",
    "Import",
    "Source",
    "heavy_imports_at_start",
    "imports_of",
    "layer_violations",
    "load_sources",
    "resolve_relative",
    "wing_of",
]

ROOT = Path(__file__).resolve().parents[1]

#: The wings of ``provenance``, bottom to top (docs/ARCHITECTURE.md). Wings of one rank are
#: peers and may not import each other.
RANKS: Mapping[str, int] = {
    "bottom": 0,
    "keys": 1,
    "privacy": 2,
    "log": 3,
    "ledger": 4,
    "chain": 4,
    "proof": 5,
    "tags": 6,
    "partners": 6,
}
#: Modules and packages directly under ``provenance`` that form the bottom wing.
BOTTOM = frozenset(
    {
        "errors",
        "types",
        "vocab",
        "clock",
        "findings",
        "faults",
        "settings",
        "storage",
        "contracts",
        "_lazy",
    }
)
#: The Alembic scripts: loaded by path, above everything, imported by nothing.
MIGRATIONS = "provenance.storage.migrations"
#: What the core must never import: the API and the CLI, installed and in-repository names.
API_AND_CLI = frozenset({"provenance_api", "provenance_cli", "api", "cli"})
#: Packages that no command may load before it runs (they cost start-up time, and only the
#: chain, serve and tag commands use them).
HEAVY = frozenset(
    {"web3", "eth_tester", "eth_account", "fastapi", "starlette", "uvicorn", "fpdf", "qrcode"}
)
#: Where each first-party package lives in the repository (the wheel renames cli/ and api/).
PACKAGE_DIRS: Mapping[str, str] = {
    "provenance": "provenance",
    "provenance_cli": "cli",
    "provenance_api": "api",
}


@dataclass(frozen=True)
class Source:
    """One module's source: its dotted name, whether it is a package ``__init__``, its text."""

    name: str
    text: str
    is_package: bool = False
    path: str = ""

    @property
    def where(self) -> str:
        """The file to name in messages."""
        return self.path or self.name


@dataclass(frozen=True)
class Import:
    """One imported module, as a statement names it (relative names resolved)."""

    importer: str
    target: str
    line: int
    #: ``from target import name``: the names, which may be submodules or lazy re-exports.
    names: tuple[str, ...] = ()
    #: Whether it runs when the importer is imported (not in a function, not type-only).
    at_import: bool = True


def load_sources(root: Path = ROOT) -> dict[str, Source]:
    """Every first-party module of the repository, by dotted name."""
    sources: dict[str, Source] = {}
    for package, folder in PACKAGE_DIRS.items():
        base = root / folder
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            name = ".".join([package, *parts])
            sources[name] = Source(
                name=name,
                text=path.read_text(encoding="utf-8"),
                is_package=is_package,
                path=str(path.relative_to(root)),
            )
    return sources


def resolve_relative(importer: str, *, is_package: bool, module: str | None, level: int) -> str:
    """The absolute name of ``from <level dots><module> import ...`` written in ``importer``."""
    if level == 0:
        if module is None:
            raise ValueError("an absolute import names a module")
        return module
    parts = importer.split(".")
    # In a package's __init__ one dot is the package itself; in a module, its package.
    keep = len(parts) - level + (1 if is_package else 0)
    if keep < 1:
        raise ValueError(f"relative import beyond the top package in {importer}")
    base = parts[:keep]
    return ".".join(base + ([module] if module else []))


def imports_of(source: Source) -> list[Import]:
    """Every import statement of ``source``, in order, each marked whether it runs at import."""
    tree = ast.parse(source.text, filename=source.where)
    found: list[Import] = []
    for node, at_import in _walk(tree.body, at_import=True):
        if isinstance(node, ast.Import):
            found.extend(
                Import(source.name, alias.name, node.lineno, at_import=at_import)
                for alias in node.names
            )
        elif isinstance(node, ast.ImportFrom):
            target = resolve_relative(
                source.name, is_package=source.is_package, module=node.module, level=node.level
            )
            names = tuple(alias.name for alias in node.names)
            found.append(Import(source.name, target, node.lineno, names, at_import=at_import))
    return found


def _walk(body: Iterable[ast.stmt], *, at_import: bool) -> Iterator[tuple[ast.stmt, bool]]:
    """Statements with whether they run at import: function bodies and ``if TYPE_CHECKING:``
    blocks do not (class bodies, ``try`` and other ``if`` blocks do)."""
    for node in body:
        yield node, at_import
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _walk(node.body, at_import=False)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _walk(node.body, at_import=False)
            yield from _walk(node.orelse, at_import=at_import)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(node, field, ()):
                    if isinstance(child, ast.stmt):
                        yield from _walk([child], at_import=at_import)
                    else:  # except handlers and match cases hold statements
                        yield from _walk(getattr(child, "body", ()), at_import=at_import)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


# -- the wings -------------------------------------------------------------------------------


def wing_of(module: str) -> str | None:
    """The wing of a ``provenance`` module: ``"root"`` for the facade, ``"migrations"`` for the
    Alembic scripts, a key of :data:`RANKS`, or ``None`` if no wing claims it."""
    parts = module.split(".")
    if parts[0] != "provenance":
        raise ValueError(f"{module} is not part of provenance")
    if len(parts) == 1:
        return "root"
    if module == MIGRATIONS or module.startswith(MIGRATIONS + "."):
        return "migrations"
    if parts[1] in BOTTOM:
        return "bottom"
    if parts[1] in RANKS:
        return parts[1]
    return None


def _modules_named(imp: Import, modules: Mapping[str, Source]) -> list[str]:
    """The first-party modules an import names: the target, or the submodules it imports."""
    subs = [f"{imp.target}.{name}" for name in imp.names if f"{imp.target}.{name}" in modules]
    return subs or [imp.target]


def layer_violations(sources: Mapping[str, Source]) -> list[str]:
    """Every breach of the wing rules in ``sources``, one message each (empty when clean)."""
    problems: list[str] = []
    edges: dict[tuple[str, str], Import] = {}
    for name, source in sorted(sources.items()):
        if not (name == "provenance" or name.startswith("provenance.")):
            continue
        wing = wing_of(name)
        if wing == "root":
            continue  # the facade re-exports every wing (lazily)
        if wing is None:
            problems.append(
                f"{source.where}: module {name} belongs to no wing; add it to "
                "tests/layering.py (RANKS or BOTTOM) and docs/ARCHITECTURE.md"
            )
            continue
        for imp in imports_of(source):
            for target in _modules_named(imp, sources):
                problem = _rule(wing, imp, target)
                if problem:
                    problems.append(
                        f"{source.where}:{imp.line}: {name} imports {target}: {problem}"
                    )
                target_wing = _wing_if_provenance(target)
                if target_wing in RANKS and wing in RANKS and target_wing != wing:
                    edges.setdefault((wing, str(target_wing)), imp)
    problems.extend(_circles(edges, sources))
    return problems


def _wing_if_provenance(module: str) -> str | None:
    if module.split(".")[0] == "provenance":
        return wing_of(module)
    return None


def _rule(wing: str, imp: Import, target: str) -> str | None:
    """Why ``imp`` (from a module of ``wing``) breaks a rule, or ``None``."""
    top = target.split(".")[0]
    if top in API_AND_CLI:
        return "nothing in provenance imports the API (provenance_api) or the CLI (provenance_cli)"
    if top != "provenance":
        return None  # the standard library or a third-party package
    target_wing = wing_of(target)
    if target_wing == "migrations":
        if wing == "migrations":
            return None
        return (
            "the Alembic scripts under provenance.storage.migrations are loaded by path; "
            "nothing in provenance imports them"
        )
    if wing == "migrations":
        return None  # the top layer may import anything
    if target_wing == "root":
        return "import the defining module, not the provenance facade (it re-exports every wing)"
    if target_wing is None:
        return f"{target} belongs to no wing"
    if target_wing == wing:
        return None
    mine, theirs = RANKS[wing], RANKS[target_wing]
    if theirs < mine:
        return None
    if theirs == mine:
        return f"{wing} and {target_wing} are peers (rank {mine}): neither may import the other"
    return (
        f"{wing} (rank {mine}) may import only its own wing or a lower rank, "
        f"not {target_wing} (rank {theirs})"
    )


def _circles(edges: Mapping[tuple[str, str], Import], sources: Mapping[str, Source]) -> list[str]:
    """One message per circle of wings (a strongly connected set of more than one wing)."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    problems = []
    for component in _strongly_connected(graph):
        if len(component) < 2:
            continue
        cycle = _cycle_in(component, graph)
        steps = []
        for a, b in itertools.pairwise(cycle):
            imp = edges[(a, b)]
            where = sources[imp.importer].where
            steps.append(f"{where}:{imp.line} ({imp.importer} imports {imp.target})")
        problems.append(f"import circle between wings {' -> '.join(cycle)}: " + "; ".join(steps))
    return problems


def _strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; the graph is a handful of wings, so recursion is fine."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _cycle_in(component: list[str], graph: Mapping[str, set[str]]) -> list[str]:
    """A closed walk ``[a, ..., a]`` inside a strongly connected ``component``."""
    start = component[0]
    members = set(component)
    # Breadth first from the start until an edge leads back to it: the shortest circle.
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & members):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"{component} is not strongly connected")


# -- what a command loads before it runs -----------------------------------------------------


def heavy_imports_at_start(
    sources: Mapping[str, Source], entry: str, heavy: frozenset[str] = HEAVY
) -> list[str]:
    """Every import of a :data:`HEAVY` package that runs when ``entry`` is imported, each with
    the chain of module-level imports that reaches it (empty when there is none)."""
    parents: dict[str, str | None] = {}
    problems = []
    queue: list[tuple[str, str | None]] = [(entry, None)]
    while queue:
        module, parent = queue.pop(0)
        if module in parents or module not in sources:
            continue
        parents[module] = parent
        for imp in imports_of(sources[module]):
            if not imp.at_import:
                continue
            top = imp.target.split(".")[0]
            if top in heavy:
                chain = _chain(parents, module)
                where = sources[module].where
                problems.append(
                    f"{where}:{imp.line}: {module} imports {imp.target} when it is imported "
                    f"({' -> '.join(chain)}); import it inside the function that uses it"
                )
                continue
            for target in _loaded_by(imp, sources):
                queue.append((target, module))
    return problems


def _loaded_by(imp: Import, sources: Mapping[str, Source]) -> list[str]:
    """The first-party modules an import statement executes: the target and its parent
    packages, submodules named in a ``from`` import, and modules behind lazy re-exports."""
    parts = imp.target.split(".")
    loaded = [".".join(parts[: n + 1]) for n in range(len(parts))]
    exports = _lazy_exports(sources[imp.target]) if imp.target in sources else {}
    for name in imp.names:
        if f"{imp.target}.{name}" in sources:
            loaded.append(f"{imp.target}.{name}")
        elif name in exports:
            relative = exports[name]
            module = relative.lstrip(".")
            level = len(relative) - len(module)
            loaded.append(resolve_relative(imp.target, is_package=True, module=module, level=level))
    return [m for m in loaded if m in sources]


def _lazy_exports(source: Source) -> dict[str, str]:
    """A package's ``_EXPORTS`` table (name -> relative module), if it has one."""
    if not source.is_package:
        return {}
    for node in ast.parse(source.text).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            return {
                str(k.value): str(v.value)
                for k, v in zip(node.value.keys, node.value.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)
            }
    return {}


def _chain(parents: Mapping[str, str | None], module: str) -> list[str]:
    chain = [module]
    while (parent := parents[chain[-1]]) is not None:
        chain.append(parent)
    return list(reversed(chain))
