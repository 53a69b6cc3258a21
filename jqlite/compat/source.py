"""Read a JoinQuant strategy file as Python 3 text: decoding and Python 2 conversion.

Decoding (:func:`decode_source`)
    A PEP 263 ``coding`` line or a UTF-8 BOM wins; otherwise strict UTF-8; otherwise
    charset-normalizer's best guess among the encodings Chinese strategy files are saved in
    (GB18030 / GBK / GB2312, Big5, UTF-16).  GBK-family guesses decode as GB18030, their
    superset.  Undecodable files raise :class:`~jqlite.errors.ConfigError` naming the file.

Python 2 (:func:`python2_to_3`)
    Files that do not compile as Python 3 are converted with fissix (lib2to3's maintained
    fork; lib2to3 itself is gone in Python 3.13) using :data:`PY2_FIXERS` plus jqlite's
    fixers (:mod:`jqlite.compat.fixes`): ``a / b`` becomes ``old_div(a, b)``, which floors
    when both operands are integers — Python 2's result — so ``str(2015) + 'q' + str(12 / 3)``
    stays ``'2015q4'``.  Every fixer rewrites within a line: line numbers are kept and
    tracebacks point at the user's lines.
"""

from __future__ import annotations

import builtins
import codecs
import functools
import io
import numbers
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ConfigError

#: fissix fixers applied to Python 2 files.  Left out on purpose: ``import`` (would turn
#: ``import foo`` into a relative import when a ``foo.py`` lies next to the strategy),
#: ``reduce``/``intern`` (insert an import line, shifting line numbers: ``reduce`` is given
#: by the namespace instead), ``idioms`` and ``ws_comma`` (style only).
PY2_FIXERS = ("print", "except", "raise", "ne", "has_key", "long", "unicode", "xrange",
              "basestring", "dict", "numliterals", "exec", "repr", "apply", "raw_input",
              "next", "funcattrs", "methodattrs", "renames", "standarderror",
              "sys_exc", "throw", "tuple_params", "filter", "map", "zip", "itertools",
              "itertools_imports", "isinstance", "getcwdu", "xreadlines",
              "imports", "imports2", "input", "execfile", "operator", "paren",
              "buffer", "nonzero", "metaclass", "urllib", "types")

#: jqlite's own fixers (package :mod:`jqlite.compat.fixes`).
JQ_FIXERS = ("old_div", "string_consts")

_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


@dataclass
class Source:
    """A decoded strategy file.

    Attributes
    ----------
    text : str
        Python 3 source to compile (converted when ``python2`` is True).
    encoding : str
        Codec the bytes were decoded with (``'utf-8'``, ``'utf-8-sig'``, ``'gb18030'``...).
    python2 : bool
        True when the file only compiled after Python 2 conversion.
    notes : list of str
        What was done, for the run log.
    """

    text: str
    encoding: str = "utf-8"
    python2: bool = False
    notes: list[str] = field(default_factory=list)


def decode_source(data: bytes, name: str = "<strategy>") -> tuple[str, str]:
    """Decode strategy bytes; return ``(text, encoding)``.

    Raises
    ------
    ConfigError
        When no encoding decodes the file (names the file).
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    for line in data.splitlines()[:2]:
        m = _COOKIE.match(line)
        if m:
            enc = m.group(1).decode("ascii").lower().replace("_", "-")
            if enc in ("gbk", "gb2312", "cp936", "euc-cn"):
                enc = "gb18030"
            try:
                return data.decode(enc), enc
            except (LookupError, UnicodeDecodeError):
                break  # a wrong cookie: guess below
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes
    best = from_bytes(data, cp_isolation=["gb18030", "gbk", "gb2312", "big5", "utf_16",
                                          "utf_32"]).best()
    if best is None:
        raise ConfigError(f"{name}: cannot decode the file: it is neither UTF-8 nor GBK/GB18030 "
                          "nor Big5; save it as UTF-8")
    enc = best.encoding.lower()
    if enc in ("gbk", "gb2312", "cp936", "hz"):
        enc = "gb18030"
    try:
        return data.decode(enc), enc
    except UnicodeDecodeError as exc:  # pragma: no cover - charset_normalizer checked it
        raise ConfigError(f"{name}: cannot decode the file as {enc}: {exc}") from exc


def old_div(a, b):
    """Python 2's ``a / b``: floor division when both operands are integers (Python ints,
    bools, numpy integer scalars, or a numpy integer array with integer operands), true
    division otherwise.  pandas objects divide exactly (pandas' ``/`` was true division under
    Python 2 too)."""
    if isinstance(a, numbers.Integral) and isinstance(b, numbers.Integral):
        return a // b
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        ka = a.dtype.kind if isinstance(a, np.ndarray) else ("i" if isinstance(a, numbers.Integral) else "f")
        kb = b.dtype.kind if isinstance(b, np.ndarray) else ("i" if isinstance(b, numbers.Integral) else "f")
        if ka in "iub" and kb in "iub":
            return a // b
    return a / b


def _cmp(a, b) -> int:
    """Python 2's ``cmp``."""
    return (a > b) - (a < b)


def _py2_round(number, ndigits=0):
    """Python 2's ``round``: always a float, halves rounded away from zero on the double's
    exact value (``round(2.5) == 3.0``, ``round(2.675, 2) == 2.67``), and anything ``float()``
    takes -- a one-element numpy array included, as numpy 1.x allowed (public Python 2 files
    do ``round(h[stock][0], 3)`` on ``history(df=False)`` arrays).  Other objects (a pandas
    Series, a longer array) fall back to Python 3's ``round``, which their own ``__round__``
    answers (more lenient than Python 2, which raised)."""
    from decimal import ROUND_HALF_UP, Decimal
    x = number
    if isinstance(x, np.ndarray) and x.size == 1:
        x = x.reshape(()).item()
    if not isinstance(x, (numbers.Real, np.generic)) or isinstance(x, np.ndarray):
        return builtins.round(number, ndigits)
    try:
        f = float(x)
    except (TypeError, ValueError):
        return builtins.round(number, ndigits)
    if not np.isfinite(f):
        return f
    q = Decimal(1).scaleb(-int(ndigits))
    return float(Decimal(f).quantize(q, rounding=ROUND_HALF_UP))


#: Names a converted Python 2 file gets in its namespace (Python 2 builtins its fixers do
#: not rewrite, and the runtime helper of ``/``).
PY2_NAMESPACE = {"old_div": old_div, "reduce": functools.reduce, "cmp": _cmp,
                 "intern": __import__("sys").intern, "unichr": builtins.chr,
                 "raw_input": builtins.input, "file": builtins.open, "round": _py2_round}


@functools.lru_cache(maxsize=2)
def _tool(division: bool):
    from fissix import refactor
    available = set(refactor.get_fixers_from_package("fissix.fixes"))
    names = [f"fissix.fixes.fix_{f}" for f in PY2_FIXERS if f"fissix.fixes.fix_{f}" in available]
    names += [f"jqlite.compat.fixes.fix_{f}" for f in JQ_FIXERS if division or f != "old_div"]
    return refactor.RefactoringTool(names)


_FUTURE_DIVISION = re.compile(r"^\s*from\s+__future__\s+import\s+[^#\n]*\bdivision\b", re.M)


def python2_to_3(src: str) -> str | None:
    """Python 3 text of a Python 2 strategy, or None when ``src`` is not valid Python 2 either.

    Uses fissix with :data:`PY2_FIXERS` and :data:`JQ_FIXERS`; ``/`` becomes
    :func:`old_div` unless the file imports ``division`` from ``__future__``.  The result
    has the same number of lines as ``src``.
    """
    import logging
    logging.getLogger("fissix").setLevel(logging.ERROR)
    logging.getLogger("RefactoringTool").setLevel(logging.ERROR)
    text = src if src.endswith("\n") else src + "\n"
    tool = _tool(not _FUTURE_DIVISION.search(text))
    try:
        out = str(tool.refactor_string(text, "<strategy>"))
    except Exception:
        return None
    try:
        compile(out, "<strategy>", "exec")
    except TabError:
        # Python 2 read a tab as "to the next multiple of 8 columns" and accepted indentation
        # mixing tabs and spaces; Python 3 refuses it.  Expand the tabs of each line's
        # indentation by Python 2's rule (lines inside a multi-line string are left alone).
        out = _expand_indent_tabs(out)
        try:
            compile(out, "<strategy>", "exec")
        except SyntaxError:
            return None
    except SyntaxError:
        return None
    return out


def _expand_indent_tabs(text: str) -> str:
    """``text`` with the tabs of each code line's leading whitespace expanded to 8 columns
    (Python 2's tokenizer rule); lines that start inside a multi-line string keep theirs."""
    lines = text.splitlines(keepends=True)
    in_string: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                in_string.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):  # pragma: no cover - compiled by the caller
        return text
    out = []
    for i, ln in enumerate(lines, start=1):
        body = ln.lstrip(" \t")
        indent = ln[: len(ln) - len(body)]
        if "\t" in indent and i not in in_string:
            ln = indent.expandtabs(8) + body
        out.append(ln)
    return "".join(out)


#: Python 3 syntax errors raised where the file ends inside an unclosed string or bracket
_EOF_ERRORS = re.compile(r"unterminated triple-quoted|was never closed|unexpected EOF|"
                         r"EOF while scanning|EOF in multi-line")


def python2_error(src: str) -> tuple[int, str] | None:
    """Where ``src`` is not valid Python 2: ``(line, message)`` from fissix's Python 2
    parser, or None when it parses as Python 2."""
    import logging
    logging.getLogger("RefactoringTool").setLevel(logging.ERROR)
    text = src if src.endswith("\n") else src + "\n"
    try:
        _tool(False).refactor_string(text, "<strategy>")
    except Exception as exc:  # fissix ParseError / TokenError (lib2to3's)
        ctx = getattr(exc, "context", None)
        args = getattr(exc, "args", ())
        if ctx and isinstance(ctx, tuple) and len(ctx) == 2 and isinstance(ctx[1], tuple):
            return ctx[1][0], "invalid syntax"
        if len(args) == 2 and isinstance(args[1], tuple):
            return args[1][0], str(args[0])
        return 0, str(exc)
    return None


_SHARE_HEADER = "该策略由聚宽用户分享"
_SHARE_MARKERS = ("源代码如下", "源码如下")


def strip_share_header(text: str) -> tuple[str, int]:
    """Comment out the prose header of a strategy exported from a JoinQuant community post.

    Such exports start with ``该策略由聚宽用户分享，仅供学习交流使用。`` / ``原文网址：...`` /
    ``原文策略源代码如下：`` before the code (28 of ~240 public files).  The header lines
    become comments, so line numbers stay those of the file.  Returns ``(text, lines
    commented)``; text without such a header is returned unchanged.
    """
    if not text.lstrip().startswith(_SHARE_HEADER):
        return text, 0
    lines = text.split("\n")
    end = next((i for i, ln in enumerate(lines[:30]) if any(m in ln for m in _SHARE_MARKERS)), None)
    if end is None:
        return text, 0
    for i in range(end + 1):
        if lines[i].strip():
            lines[i] = "# " + lines[i]
    return "\n".join(lines), end + 1


def read_strategy(path: str | Path, source: str | None = None) -> Source:
    """Decode (and when needed convert) a strategy file.

    Parameters
    ----------
    path : path
        The strategy file (used for messages only when ``source`` is given).
    source : str, optional
        Source text (tests); read from ``path`` when None.

    Raises
    ------
    ConfigError
        When the file does not exist, cannot be decoded, or is neither Python 3 nor Python 2
        (names file, line and the offending text).
    """
    path = Path(path)
    notes: list[str] = []
    if source is None:
        if not path.exists():
            raise ConfigError(f"strategy file {path} does not exist")
        text, enc = decode_source(path.read_bytes(), str(path))
        if enc not in ("utf-8", "utf-8-sig"):
            notes.append(f"{path.name}: source decoded as {enc} (not UTF-8)")
    else:
        text, enc = source, "utf-8"
    text, n_header = strip_share_header(text)
    if n_header:
        notes.append(f"{path.name}: lines 1-{n_header} are a JoinQuant community post's header "
                     f"(该策略由聚宽用户分享 ... 源代码如下), not code: read as comments")
    try:
        compile(text, str(path), "exec")
        return Source(text, enc, False, notes)
    except SyntaxError as exc:
        py3 = python2_to_3(text)
        if py3 is None:
            raise ConfigError(_syntax_message(path, text, exc)) from exc
    div = "kept Python 2 integer division (a / b -> old_div(a, b))" \
        if not _FUTURE_DIVISION.search(text) else "'/' divides exactly (from __future__ import division)"
    changed = _changed_lines(text, py3)
    notes.append(f"{path.name}: Python 2 source converted to Python 3 ({len(changed)} lines: "
                 f"print statements, 'except X, e', dict.has_key/iteritems, xrange, unicode/long, "
                 f"...); {div}")
    return Source(py3, enc, True, notes)


def _syntax_message(path: Path, text: str, exc: SyntaxError) -> str:
    """The load error of a file that is neither Python 3 nor convertible Python 2.

    Says which of three cases it is, since only the last is jqlite's gap: the file ends
    inside an unclosed string or bracket (published cut short: JoinQuant cannot run it
    either), the file is not valid Python 2 either (the author's own syntax error), or it is
    valid Python 2 that the conversion could not turn into Python 3."""
    head = f"{path}:{exc.lineno}: syntax error: {exc.msg}"
    py2 = python2_error(text)
    if _EOF_ERRORS.search(exc.msg or "") or (py2 is not None and _EOF_ERRORS.search(py2[1])):
        why = ("the file ends inside an unclosed string, bracket or block: it was cut short "
               "(invalid as Python 3 and as Python 2)")
    elif py2 is not None:
        why = f"not valid Python 2 either (line {py2[0]}): a syntax error of the file itself"
    else:
        why = ("the file is valid Python 2, but its conversion to Python 3 does not compile: "
               "a gap in jqlite's Python 2 support")
    return f"{head}; {why}\n    {(exc.text or '').rstrip()}"


def _changed_lines(a: str, b: str) -> list[int]:
    la, lb = a.splitlines(), b.splitlines()
    return [i + 1 for i, (x, y) in enumerate(zip(la, lb)) if x != y]
