"""The import rules of docs/architecture.md, read from the source: every import statement of every module under
src/twostep (those inside functions included), so that a violation fails here naming the module and the import.

Rule 1: the domain packages never import the console, the API, the storage or wiring layers, nor a web or SQL
library. Rule 5: nothing outside store/ imports SQLAlchemy, Alembic or psycopg.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import twostep

SOURCE = Path(twostep.__file__).parent

DOMAIN = (
    "twostep.identity",
    "twostep.mfa",
    "twostep.signin",
    "twostep.policy",
    "twostep.sts",
    "twostep.roles",
    "twostep.groups",
    "twostep.audit",
    "twostep.notify",
    "twostep.otp",
    "twostep.crypto",
    "twostep.passkeys",
    # the modules the domain packages share
    "twostep.clock",
    "twostep.throttling",
    "twostep.unit_of_work",
)
NOT_FOR_THE_DOMAIN = (
    "twostep.console",
    "twostep.awsapi",
    "twostep.store",
    "twostep.bootstrap",
    "twostep.server",
    "twostep.cli",
    "starlette",
    "uvicorn",
    "sqlalchemy",
)
STORAGE_LIBRARIES = ("sqlalchemy", "alembic", "psycopg")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """Each import statement of the file: its line, its text, and the modules it may name (`from a import b`: a,
    and a.b in case b is a module)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, f"import {alias.name}", [alias.name]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = ", ".join(alias.name for alias in node.names)
            text = f"from {'.' * node.level}{node.module or ''} import {names}"
            yield node.lineno, text, [base, *(f"{base}.{alias.name}" for alias in node.names)]


def modules() -> list[Path]:
    found = sorted(SOURCE.rglob("*.py"))
    assert len(found) > 100, f"expected the whole source tree under {SOURCE}"
    return found


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def violations(
    forbidden: tuple[str, ...], applies_to: tuple[str, ...] | None, exempt: tuple[str, ...] = ()
) -> list[str]:
    found = []
    for path in modules():
        name = module_name(path)
        if (applies_to is not None and not within(name, applies_to)) or within(name, exempt):
            continue
        for line, text, targets in imports(path):
            if any(within(target, forbidden) for target in targets):
                found.append(f"  {name} (src/{path.relative_to(SOURCE.parent)}:{line}): {text}")
    return found


def test_the_domain_imports_no_http_sql_or_outer_layer() -> None:
    found = violations(NOT_FOR_THE_DOMAIN, DOMAIN)
    assert not found, "rule 1 (docs/architecture.md): domain code imports what it must not:\n" + "\n".join(found)


def test_only_the_store_imports_the_storage_libraries() -> None:
    found = violations(STORAGE_LIBRARIES, None, exempt=("twostep.store",))
    assert not found, "rule 5 (docs/architecture.md): outside store/, a storage library is imported:\n" + "\n".join(
        found
    )


def package_of(module: str) -> str:
    """The top-level part of twostep a module belongs to: twostep.policy.stored.owned -> twostep.policy."""
    return ".".join(module.split(".")[:2])


def package_imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in modules():
        source = package_of(module_name(path))
        for _, _, targets in imports(path):
            for target in targets:
                if target.startswith("twostep.") and package_of(target) != source:
                    graph.setdefault(source, set()).add(package_of(target))
    return graph


def test_the_domain_packages_import_each_other_without_cycles() -> None:
    """policy/ and roles/ once imported each other; a cycle between domain packages means a concept is in the wrong
    place. Depth-first search for any cycle in the package graph of the domain."""
    graph = {name: {t for t in targets if within(t, DOMAIN)} for name, targets in package_imports().items()}
    graph = {name: targets for name, targets in graph.items() if within(name, DOMAIN)}
    path: list[str] = []
    done: set[str] = set()

    def visit(package: str) -> list[str] | None:
        if package in path:
            return [*path[path.index(package) :], package]
        if package in done:
            return None
        path.append(package)
        for target in sorted(graph.get(package, ())):
            cycle = visit(target)
            if cycle:
                return cycle
        path.pop()
        done.add(package)
        return None

    for package in sorted(graph):
        cycle = visit(package)
        assert cycle is None, "domain packages import each other in a cycle: " + " -> ".join(cycle or [])


def test_only_the_ceremony_module_imports_the_webauthn_library() -> None:
    """py_webauthn is used in one place (passkeys/ceremony.py), so that the library stays swappable and no other
    module parses WebAuthn data."""
    found = violations(("webauthn",), None, exempt=("twostep.passkeys.ceremony",))
    assert not found, "only twostep.passkeys.ceremony may import webauthn:\n" + "\n".join(found)


def test_no_module_grows_past_three_hundred_lines() -> None:
    """A module past ~300 lines holds more than one concept (the team's rule): split it along a seam."""
    long = [
        f"  src/{path.relative_to(SOURCE.parent)}: {n} lines"
        for path in modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 300
    ]
    assert not long, "modules over 300 lines:\n" + "\n".join(long)
