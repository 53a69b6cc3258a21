"""Strategy parameters a sweep may override, found and rewritten in the source text (AST).

A JoinQuant strategy keeps its parameters where JoinQuant users put them: module-level
constants (``HOLD_NUM = 10``) and ``g`` values set in ``initialize`` (``g.hold_num = 10``).
A sweep never edits the file: :func:`apply_overrides` returns a new source text, in memory,
in which the *value expression* of each overridden assignment is replaced by the literal of
the new value.  The text is spliced at the positions the parser reports, so comments,
formatting and every line number stay as they were (a traceback of an overridden run points
at the user's own lines); a multi-line value is replaced by a parenthesised literal padded
with the same number of line breaks.

Names
-----
* ``NAME`` -- a module-level ``NAME = ...`` (or ``NAME: T = ...``) assignment;
* ``g.NAME`` -- a ``g.NAME = ...`` assignment anywhere inside ``def initialize``;
* a bare ``NAME`` that is not a module constant but is a ``g.NAME`` in ``initialize`` means
  that ``g`` value (``--param hold_num=5`` for ``g.hold_num``), as the issue's example does.

Every assignment of an overridden name is replaced (a constant assigned in both branches of
an ``if`` gets the new value in both).  Unknown names raise :class:`UnknownParameterError`,
which lists the names the file defines.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Mapping

__all__ = ["Assignment", "UnknownParameterError", "apply_overrides", "find_parameters", "parse_value"]


class UnknownParameterError(ValueError):
    """A parameter name the strategy file does not define (CLI exit code 2)."""

    def __init__(self, unknown: list[str], known: list[str], path: str = "<strategy>"):
        self.unknown, self.known, self.path = unknown, known, path
        listing = ", ".join(known) if known else "(none: no module constants, no g.X = ... in initialize)"
        super().__init__(f"{path}: unknown parameter(s) {', '.join(unknown)}; the file defines: {listing}")


@dataclass(frozen=True)
class Assignment:
    """One assignment of a parameter in the source.

    Attributes
    ----------
    name : str
        ``NAME`` (module constant) or ``g.NAME`` (set in ``initialize``).
    lineno, col, end_lineno, end_col : int
        Position of the assigned *value* expression (1-based lines, UTF-8 byte columns, as
        :mod:`ast` reports them).
    value : str
        The value's source text as written.
    """

    name: str
    lineno: int
    col: int
    end_lineno: int
    end_col: int
    value: str


def _parse(source: str, path: str) -> ast.Module:
    try:
        return ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise SyntaxError(f"{path}:{exc.lineno}: {exc.msg}") from exc


def find_parameters(source: str, path: str = "<strategy>") -> dict[str, list[Assignment]]:
    """Find the overridable parameters of a strategy source.

    Parameters
    ----------
    source : str
        Python 3 source of the strategy (a Python 2 file must be converted first, see
        :func:`jqlite.strategy.python2_to_3`).
    path : str
        File name for error messages.

    Returns
    -------
    dict of str to list of Assignment
        ``NAME`` / ``g.NAME`` -> its assignments in source order; module constants first,
        then ``g`` values, each group in order of first appearance.

    Raises
    ------
    SyntaxError
        The source does not parse (message names ``path`` and the line).
    """
    tree = _parse(source, path)
    found: dict[str, list[Assignment]] = {}

    def add(name: str, value: ast.expr) -> None:
        seg = ast.get_source_segment(source, value) or ""
        found.setdefault(name, []).append(Assignment(name, value.lineno, value.col_offset,
                                                     value.end_lineno, value.end_col_offset, seg))

    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            add(node.targets[0].id, node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            add(node.target.id, node.value)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "initialize":
            for sub in ast.walk(node):
                if isinstance(sub, ast.Assign) and len(sub.targets) == 1:
                    t = sub.targets[0]
                    if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "g":
                        add(f"g.{t.attr}", sub.value)
    return found


def resolve_name(name: str, found: Mapping[str, list[Assignment]]) -> str | None:
    """The parameter ``name`` refers to (``NAME`` or ``g.NAME``), or None when unknown."""
    if name in found:
        return name
    if not name.startswith("g.") and f"g.{name}" in found:
        return f"g.{name}"
    return None


def parse_value(text: str) -> Any:
    """A command-line value: a Python literal when it is one (``5``, ``0.1``, ``'abc'``,
    ``[1, 2]``, ``True``, ``None``), else the text itself as a string (``000300.XSHG``)."""
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return text.strip()


def _literal(value: Any) -> str:
    text = repr(value)
    try:
        if ast.literal_eval(text) != value:
            raise ValueError
    except (ValueError, SyntaxError):
        raise ValueError(f"parameter value {value!r} ({type(value).__name__}) is not a Python literal "
                         f"(numbers, strings, booleans, None, lists/tuples/dicts of them)") from None
    return text


def apply_overrides(source: str, overrides: Mapping[str, Any], path: str = "<strategy>") -> str:
    """Return ``source`` with the given parameters set to new values.

    Parameters
    ----------
    source : str
        Strategy source (Python 3).
    overrides : mapping
        Parameter name (``NAME``, ``g.NAME`` or a bare ``NAME`` meaning ``g.NAME``) -> new
        value (a Python literal: number, str, bool, None, or a list/tuple/dict of them).
    path : str
        File name for error messages.

    Returns
    -------
    str
        The new source; same number of lines, every line outside the replaced values
        unchanged.

    Raises
    ------
    UnknownParameterError
        A name the file does not define (lists the names it does).
    ValueError
        A value that has no literal form.
    """
    found = find_parameters(source, path)
    unknown = [n for n in overrides if resolve_name(n, found) is None]
    if unknown:
        raise UnknownParameterError(unknown, list(found), path)
    edits: list[tuple[Assignment, str]] = []
    for name, value in overrides.items():
        lit = _literal(value)
        for a in found[resolve_name(name, found)]:
            edits.append((a, lit))
    lines = source.splitlines(keepends=True)
    raw = [ln.encode("utf-8") for ln in lines]
    # last edit first: earlier positions stay valid
    for a, lit in sorted(edits, key=lambda e: (e[0].lineno, e[0].col), reverse=True):
        extra = a.end_lineno - a.lineno
        text = lit if extra == 0 else "(" + lit + "\n" * extra + ")"
        head = raw[a.lineno - 1][:a.col]
        tail = raw[a.end_lineno - 1][a.end_col:]
        raw[a.lineno - 1:a.end_lineno] = [head + text.encode("utf-8") + tail]
    out = b"".join(raw).decode("utf-8")
    # the pieces re-split into the same line count (the padding keeps it)
    return out
