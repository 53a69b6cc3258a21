"""Classify one compatibility-corpus run: a pure function of what the run left behind.

A run of ``python -m jqlite backtest FILE ...`` ends in one of eight classes:

==================  ==========================================================================
pass-and-trades     exit 0 and at least one fill
pass-no-orders      exit 0 and no fill (the strategy may be waiting for a signal)
api-missing         jqlite lacks something JoinQuant has: a global, a module, an attribute of an
                    API object, an argument spelling, Python 2 syntax/builtins, a source encoding,
                    an old pandas/numpy name the JoinQuant image still has
shape-differs       an API answered, but not in the shape the strategy relies on (missing
                    column, other index, other type)
data-absent         the sample market lacks what was asked (unknown code, empty history, table)
strategy-bug        would fail on JoinQuant too (ZeroDivisionError in the strategy, its own
                    ``raise``, a name it never defines, a file that is no strategy)
engine-crash        an exception raised inside jqlite's own code that is none of the above, or a
                    process that died without a report
timeout             the run went past the per-file limit
==================  ==========================================================================

The rules work on the exception type, its message and the traceback's innermost frames: where
the exception was raised (inside jqlite, inside the strategy file, inside a third-party library)
and which strategy line called into that code.  Decisions that need judgement (a ``KeyError``
on a column name inside the strategy: shape or data?) are written out below in :func:`classify`;
every result also carries a one-line *cause* (``"NameError: xrange"``,
``"ModuleNotFoundError: pandas.stats"``) that is what the findings group by.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

__all__ = ["CLASSES", "Frame", "Outcome", "parse_traceback", "classify", "syntax_error_at_end", "jq_notes"]

CLASSES = ("pass-and-trades", "pass-no-orders", "api-missing", "shape-differs", "data-absent",
           "strategy-bug", "engine-crash", "timeout")

#: Builtins and modules of Python 2 that a JoinQuant Python 2 strategy may use.
PY2_NAMES = frozenset({"xrange", "unicode", "long", "basestring", "raw_input", "unichr", "cmp",
                       "execfile", "file", "reduce", "reload", "buffer", "apply", "intern",
                       "coerce", "iteritems", "itervalues", "iterkeys", "has_key", "StandardError"})
PY2_MODULES = frozenset({"cPickle", "StringIO", "cStringIO", "urllib2", "ConfigParser", "Queue",
                         "commands", "httplib", "HTMLParser", "thread", "__builtin__", "exceptions",
                         "sets", "md5", "sha", "string.maketrans", "itertools.izip", "itertools.imap",
                         "itertools.ifilter", "itertools.izip_longest"})
#: Names real files call as if JoinQuant provided them, checked against JoinQuant's API
#: reference (https://www.joinquant.com/help/api/help — scheduling is run_daily /
#: run_weekly / run_monthly / unschedule_all only; no "unpaused" function: paused flags come
#: from get_current_data()) and its strategy namespace
#: (docs/compatibility.md): JoinQuant raises the same NameError.  Helpers an author forgot
#: to paste into a shared file, or an API of another platform.
NOT_JOINQUANT_NAMES = {
    "run_time_interval": "not a JoinQuant scheduler (run_daily/run_weekly/run_monthly)",
    "unpaused": "not a JoinQuant function (a helper the file does not define)",
}
#: Attributes of jqlite's API objects that JoinQuant's objects do not have either (its API
#: reference and jqdatasdk's ``Security`` class: ``get_security_info`` answers code,
#: display_name, name, start_date, end_date, type, parent); another platform's spelling:
#: JoinQuant raises the same AttributeError.
NOT_JOINQUANT_ATTRS = {
    ("SecurityInfo", "get_contract_multiplier"):
        "QMT's ContextInfo.get_contract_multiplier; JoinQuant's get_security_info object has no methods "
        "(the multiplier: jqdatasdk get_futures_info(code)[code]['contract_multiplier'])",
}
#: Functions whose first argument is the strategy's own callback.
SCHEDULERS = frozenset({"run_daily", "run_weekly", "run_monthly"})
#: Attributes of pandas/numpy objects that the JoinQuant image's old pandas (0.2x)/numpy had.
LEGACY_PANDAS_ATTRS = frozenset({
    "ix", "sort", "as_matrix", "get_value", "set_value", "iteritems", "sortlevel", "order",
    "convert_objects", "append", "to_panel", "valid", "irow", "icol", "select", "lookup",
    "rolling_mean", "rolling_std", "rolling_sum", "rolling_max", "rolling_min", "rolling_apply",
    "rolling_corr", "rolling_cov", "rolling_count", "rolling_median", "rolling_var",
    "rolling_window", "ewma", "ewmstd", "ewmvar", "ewmcorr", "ewmcov", "expanding_mean",
    "expanding_std", "expanding_sum", "Panel", "ols", "stats", "TimeGrouper", "datetools",
    "tslib", "scatter_matrix", "get_store", "tseries", "compat", "ftype", "is_copy", "reindex_axis",
    "asobject", "get_values", "mad", "swapaxes", "swaplevel", "bool8", "float", "int", "object",
    "str", "long", "unicode", "asscalar", "rank", "Int64Index", "Float64Index", "np", "msgpack",
    "to_sparse", "from_items", "from_csv", "clip_lower", "clip_upper", "ptp", "tshift", "pad",
    "rolling_quantile", "rolling_skew", "rolling_kurt", "ewmvol", "isnull", "notnull", "sum",
})
#: Python classes of jqlite's API objects (an AttributeError on one is a missing attribute).
API_TYPES = frozenset({
    "Context", "Portfolio", "SubPortfolio", "Position", "Order", "Trade", "SecurityInfo",
    "SecurityUnitData", "CurrentData", "_CurrentData", "CurrentDataItem", "_SecurityData",
    "GlobalVars", "_G", "Log", "_Log", "UserLog", "OrderStatus", "OrderStyle", "MarketOrderStyle",
    "LimitOrderStyle", "OrderCost", "Query", "Table", "Column", "RunParams", "BarData", "Bar",
    "Tick", "SubPortfolioConfig", "Finance", "Macro", "Jy", "OrderSide", "Event", "module",
    "Security", "PortfolioPosition", "LongPositions", "ShortPositions", "Run", "Account",
})
#: Data-library types: an AttributeError/KeyError on them inside the strategy means an API
#: returned another shape (or an old-pandas name is used: see LEGACY_PANDAS_ATTRS).
DATA_TYPES = frozenset({"DataFrame", "Series", "ndarray", "Index", "DatetimeIndex", "MultiIndex",
                        "Panel", "Timestamp", "dict", "list", "tuple", "float", "int", "str",
                        "NoneType", "float64", "int64", "bool", "datetime.date", "date", "datetime",
                        "Timedelta", "RangeIndex", "DataFrameGroupBy", "SeriesGroupBy", "Rolling"})

#: Top-level modules a JoinQuant strategy can import there besides the standard library
#: (JoinQuant's own modules and its preinstalled third-party libraries).  A missing module not
#: in this set and not in the standard library (``src``, ``my_utils``) is the author's own file,
#: which JoinQuant does not have either.
JQ_MODULES = frozenset({
    "jqdata", "jqfactor", "jqlib", "kuanke", "jqfactor_analyzer", "jqdatasdk", "jqresearch",
    "numpy", "pandas", "scipy", "statsmodels", "sklearn", "talib", "xgboost", "lightgbm",
    "catboost", "tensorflow", "keras", "torch", "matplotlib", "seaborn", "cvxpy", "cvxopt",
    "pykalman", "arch", "hmmlearn", "six", "tushare", "requests", "bs4", "sympy", "pywt",
    "numba", "prettytable", "tqdm", "gensim", "jieba", "networkx", "pulp", "empyrical", "pyfolio",
    "zipline", "pylab", "mpl_toolkits", "dateutil", "pytz", "patsy", "joblib", "h5py", "tables",
    "xlrd", "openpyxl", "lxml", "yaml", "PIL", "cv2", "theano", "hmm", "deap", "gplearn",
    "bayes_opt", "hyperopt", "optuna", "mlxtend", "imblearn", "shap", "alphalens", "ta",
    "pandas_ta", "scikits", "quantstats", "riskfolio", "pypfopt", "scikit_learn", "cPickle",
    "StringIO", "cStringIO", "urllib2", "ConfigParser", "Queue", "commands", "httplib", "sets",
    "__builtin__", "exceptions", "md5", "sha", "thread", "HTMLParser",
})

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>\S+)')
_EXC = re.compile(r"^(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration|"
                  r"NotFound|Absent|Missing)?)(?::\s?(?P<msg>.*))?$")
_CODE = re.compile(r"\b\d{6}\.(?:XSHG|XSHE|CCFX|XSGE|XDCE|XZCE|XINE|OF)\b")


@dataclass(frozen=True)
class Frame:
    """One traceback frame: file path, line number, function, and the source line (may be '')."""

    file: str
    line: int
    func: str
    text: str = ""


@dataclass(frozen=True)
class Outcome:
    """The class of one run and its one-line cause (``""`` for passes)."""

    cls: str
    cause: str
    where: str = ""    # "jqlite", "strategy", "library", "" when unknown
    detail: str = ""   # the exact exception line
    at: str = ""       # the innermost strategy frame: "L<line> <func>: <source line>"


def parse_traceback(text: str) -> tuple[list[Frame], str, str]:
    """Frames (outermost first), exception type and message of a Python traceback text.

    The last ``Traceback (most recent call last):`` block wins (chained exceptions print the
    original first).  Returns ``([], "", "")`` for text with no traceback.
    """
    if not text:
        return [], "", ""
    lines = text.rstrip().splitlines()
    start = max((i for i, ln in enumerate(lines) if ln.startswith("Traceback (most recent call last)")),
                default=None)
    if start is None:
        # maybe just "ExcType: message"
        for ln in reversed(lines):
            m = _EXC.match(ln.strip())
            if m and (m.group("type").endswith(("Error", "Exception")) or m.group("msg")):
                return [], m.group("type"), (m.group("msg") or "").strip()
        return [], "", ""
    frames: list[Frame] = []
    i = start + 1
    exc_line = ""
    while i < len(lines):
        m = _FRAME.match(lines[i])
        if m:
            src = ""
            if i + 1 < len(lines) and not _FRAME.match(lines[i + 1]) and lines[i + 1].startswith("    "):
                src = lines[i + 1].strip()
            frames.append(Frame(m.group("file"), int(m.group("line")), m.group("func"), src))
        elif lines[i] and not lines[i].startswith(" "):
            exc_line = "\n".join(lines[i:]).strip()
            break
        i += 1
    exc_type, msg = "", ""
    if exc_line:
        first = exc_line.splitlines()[0]
        if ":" in first:
            exc_type, msg = first.split(":", 1)
            msg = (msg.strip() + ("\n" + "\n".join(exc_line.splitlines()[1:]) if "\n" in exc_line else "")).strip()
        else:
            exc_type = first.strip()
    exc_type = exc_type.strip().rsplit(".", 1)[-1]
    return frames, exc_type, msg


def defined_names(source: str) -> frozenset[str] | None:
    """Every name a source binds anywhere (def, class, assignment, import, loop/with/except
    target, argument, global); None when it does not parse as Python 3."""
    import ast
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    out: set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
        elif isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            out.add(n.id)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for a in n.names:
                out.add((a.asname or a.name).split(".")[0])
        elif isinstance(n, ast.ExceptHandler) and n.name:
            out.add(n.name)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            out.update(n.names)
    return frozenset(out)


def scheduled_names(source: str) -> frozenset[str]:
    """Names passed as the callback (first argument or ``func=``) of ``run_daily`` /
    ``run_weekly`` / ``run_monthly``: the strategy's own functions, never JoinQuant's."""
    import ast
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return frozenset()
    out: set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in SCHEDULERS:
            args = list(n.args[:1]) + [k.value for k in n.keywords if k.arg == "func"]
            out.update(a.id for a in args if isinstance(a, ast.Name))
    return frozenset(out)


def first_data_warning(log_text: str) -> str:
    """The first run-log warning saying data is missing (``''`` when none), without its time stamp."""
    for line in (log_text or "").splitlines():
        if "WARN" in line and re.search(r"data store has no|not in the data store|no data|absent|missing", line):
            return re.sub(r"^.*?WARNING\s*-\s*", "", line).strip()
    return ""


def jq_notes(log_text: str) -> str:
    """jqlite's run-log notes that an answer is empty or NaN exactly as on JoinQuant (lines
    ending in "as on JoinQuant": a ``skip_paused=True`` history of a security not yet listed,
    ``day_open`` read before 09:27), without time stamps, one per line (``''`` when none)."""
    out: list[str] = []
    for line in (log_text or "").splitlines():
        if "as on JoinQuant" in line:
            note = re.sub(r"^.*?(?:WARNING|INFO)\s*-\s*", "", line).strip()
            if note not in out:
                out.append(note)
    return "\n".join(out[:20])


#: ``get_all_securities(...)`` without a date: every security JoinQuant has ever listed,
#: including those that list after the backtest's day (its API reference warns of it)
_ALL_SECURITIES_NO_DATE = re.compile(
    r"get_all_securities\(\s*(?:(?:types\s*=\s*)?(?:\[[^\]]*\]|'[^']*'|\"[^\"]*\"))?\s*\)")


def _unlisted_empty(notes: str, source: str) -> bool:
    """An empty history that JoinQuant answers too: jqlite noted a ``skip_paused=True``
    history of a security not yet listed, and either that security's listing day is the real
    one or the strategy walks ``get_all_securities()`` without a date (the real market always
    holds securities listing later, so JoinQuant meets the same empty answer)."""
    unlisted = [n for n in (notes or "").splitlines() if "is not yet listed on" in n]
    if not unlisted:
        return False
    if any("synthetic sample security" not in n for n in unlisted):
        return True
    return bool(source) and _ALL_SECURITIES_NO_DATE.search(source) is not None


def syntax_error_at_end(stderr: str, source: str) -> bool:
    """True when jqlite's "<file>:<line>: syntax error" names the source's last non-blank line."""
    m = re.search(r":(\d+): syntax error", stderr or "")
    if not m:
        return False
    return int(m.group(1)) >= len(source.rstrip().splitlines())


def _where(frame: Frame | None, strategy_path: str) -> str:
    if frame is None:
        return ""
    f = frame.file.replace("\\", "/")
    if strategy_path and (f == strategy_path or f.endswith("/" + strategy_path.rsplit("/", 1)[-1])):
        return "strategy"
    if f in ("<strategy>", "<string>"):
        return "strategy"
    if "/jqlite/" in f or "/jqdata/" in f or "/jqfactor/" in f or "/jqlib/" in f or "/kuanke/" in f:
        return "jqlite"
    return "library"


def _parse_code_line(text: str):
    """``ast`` module of one source line (a trailing ``# comment`` dropped); None if it is not
    a whole statement (a continuation line, Python 2 syntax)."""
    import ast
    text = (text or "").strip()
    for cand in (text, text.split("#", 1)[0].strip()):
        if not cand:
            continue
        try:
            return ast.parse(cand)
        except (SyntaxError, ValueError):
            continue
    return None


def _assigned_before(source: str, line: int, name: str) -> str:
    """Right-hand side of the last ``name = ...`` above 1-based ``line`` inside the same
    function (the walk stops at the ``def`` line that encloses ``line``); ``''`` when none."""
    lines = (source or "").splitlines()
    if not (0 < line <= len(lines)):
        return ""
    here = lines[line - 1]
    indent = len(here) - len(here.lstrip())
    pat = re.compile(r"^\s*" + re.escape(name) + r"\s*=(?!=)\s*(.+)$")
    for ln in reversed(lines[: line - 1]):
        stripped = ln.lstrip()
        if not stripped:
            continue
        lead = len(ln) - len(stripped)
        if re.match(r"(?:async\s+)?def\s", stripped) and lead < indent:
            break
        m = pat.match(ln)
        if m:
            return m.group(1)
    return ""


def zero_divisor(source: str, frame: Frame | None) -> tuple[str, str]:
    """What the strategy divided by at the line of a ``ZeroDivisionError``, from its source.

    The divisor of each ``/``, ``//`` or ``%`` on the frame's line (its text as the traceback
    printed it, else ``source``'s line) is read; a bare name is followed back to its last
    assignment in the same function (up to three hops: ``n = len(x)``, ``w = c / n``).

    Returns
    -------
    (kind, expr) : tuple of str
        ``("slots", expr)``: ``N - len(...positions...)``, the count of free places of a
        strategy that holds N securities -- zero exactly when it already holds N, the state the
        strategy aims at; ``("len", expr)``: ``len(x)`` -- an empty list; ``("", "")`` when
        the line shows neither or is ambiguous (another divisor that is no non-zero literal
        and reads otherwise, a continuation line, Python 2 syntax).
    """
    import ast
    if frame is None:
        return "", ""
    lines = (source or "").splitlines()
    text = frame.text or (lines[frame.line - 1] if 0 < frame.line <= len(lines) else "")
    tree = _parse_code_line(text)
    if tree is None:
        return "", ""
    divisors = [n.right for n in ast.walk(tree)
                if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Div, ast.FloorDiv, ast.Mod))]
    divisors += [n.value for n in ast.walk(tree)
                 if isinstance(n, ast.AugAssign) and isinstance(n.op, (ast.Div, ast.FloorDiv, ast.Mod))]

    def kind_of(expr, hops: int = 0) -> tuple[str, str]:
        if isinstance(expr, ast.Name) and hops < 3:
            rhs = _assigned_before(source, frame.line, expr.id)
            sub = _parse_code_line(rhs)
            if sub is not None and len(sub.body) == 1 and isinstance(sub.body[0], ast.Expr):
                k, e = kind_of(sub.body[0].value, hops + 1)
                return (k, f"{expr.id} = {e}") if k else ("", "")
            return "", ""
        shown = ast.unparse(expr)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Sub) and any(
                isinstance(c, ast.Call) and isinstance(c.func, ast.Name) and c.func.id == "len"
                and "positions" in ast.unparse(c) for c in ast.walk(expr.right)):
            return "slots", shown
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "len":
            return "len", shown
        return "", ""

    # a literal divisor other than 0 cannot be the zero; of the rest, every one must read the
    # same way, else which of them was zero is a guess
    kinds = {kind_of(d) for d in divisors
             if not (isinstance(d, ast.Constant) and isinstance(d.value, (int, float)) and d.value)}
    return next(iter(kinds)) if len(kinds) == 1 and next(iter(kinds))[0] else ("", "")


def _first_line(msg: str) -> str:
    return msg.strip().splitlines()[0].strip() if msg.strip() else ""


def _short(s: str, n: int = 120) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _attr_parts(msg: str) -> tuple[str, str]:
    """('DataFrame', 'ix') from "'DataFrame' object has no attribute 'ix'"; module names too."""
    m = re.match(r"""(?:type object )?'([^']+)' object has no attribute '([^']+)'""", msg)
    if m:
        return m.group(1), m.group(2)
    m = re.match(r"""module '([^']+)' has no attribute '([^']+)'""", msg)
    if m:
        return "module:" + m.group(1), m.group(2)
    m = re.match(r"""type object '([^']+)' has no attribute '([^']+)'""", msg)
    if m:
        return m.group(1), m.group(2)
    return "", ""


def classify(*, returncode: int | None, timed_out: bool = False, traceback: str = "",
             stderr: str = "", n_orders: int = 0, n_trades: int = 0, strategy_path: str = "",
             timeout_s: float | None = None, python2: bool = False, truncated: bool = False,
             source: str = "", data_warning: str = "", jq_notes: str = "") -> Outcome:
    """Class and one-line cause of one corpus run.

    Parameters
    ----------
    returncode : int or None
        Exit status of ``python -m jqlite backtest`` (None or negative: killed by a signal).
    timed_out : bool
        The runner killed it at the per-file limit.
    traceback : str
        ``traceback`` of the run's ``error.json`` (a strategy callback raised), else ``""``.
    stderr : str
        The process's standard error (used when there is no error.json: load errors, crashes).
    n_orders, n_trades : int
        Rows of ``orders.csv`` and ``trades.csv`` (fills).
    strategy_path : str
        Path of the strategy file, to tell strategy frames from jqlite and library frames.
    timeout_s : float, optional
        The limit, for the cause text.
    python2 : bool
        The file does not compile as Python 3 (to name a syntax error as Python 2 syntax).
    truncated : bool
        The file's syntax error is at its very last line (an unfinished block: the file was cut
        short where it was published); JoinQuant could not run it either.
    data_warning : str, optional
        The first "data store has no ..." warning of the run log, shown in a pass-no-orders
        cause (a strategy that found no data places no orders); a ``ZeroDivisionError`` whose
        divisor is not ``N - len(positions)`` after such a warning is data-absent.
    jq_notes : str, optional
        :func:`jq_notes` of the run log: an empty-data error after a note that a history of a
        security not yet listed answered 0 rows (:func:`_unlisted_empty`), or that
        ``day_open`` was read before 09:27 (NaN), is what JoinQuant raises too (strategy-bug).
    source : str, optional
        The strategy's text: a ``NameError`` on a name the file never defines, imports or
        assigns is marked "(defined nowhere in the file)" (a JoinQuant global jqlite lacks, or a
        strategy bug: still counted as api-missing, the conservative side).

    Returns
    -------
    Outcome
        ``cls`` is one of :data:`CLASSES`; ``cause`` a short grouping key such as
        ``"NameError: xrange"``; ``where`` the innermost frame's owner; ``detail`` the exact
        exception line.
    """
    if timed_out:
        return Outcome("timeout", f"timeout after {timeout_s:g} s" if timeout_s else "timeout")
    if returncode == 0:
        if n_trades > 0:
            return Outcome("pass-and-trades", "")
        why = f"{n_orders} orders, none filled" if n_orders else "no orders"
        if data_warning:   # the run log said data was missing: the strategy may have starved
            why += f"; log: {_short(data_warning, 80)}"
        return Outcome("pass-no-orders", why)
    text = traceback or stderr or ""
    frames, etype, msg = parse_traceback(text)
    # load errors reported by the CLI as one line: "jqlite backtest: <path>:<line>: syntax error: ..."
    if not etype:
        m = re.search(r"jqlite backtest: (.*)", stderr or "")
        line = m.group(1).strip() if m else _first_line(stderr or "")
        if "syntax error" in line:
            etype, msg = "SyntaxError", line.split("syntax error:", 1)[1].strip()
        elif line:
            low = line.lower()
            if any(k in low for k in ("no data", "not in the data store", "no trading day", "unknown security",
                                      "not found", "absent")):
                return Outcome("data-absent", _short("DataError: " + line, 100), "jqlite", line)
            return Outcome("engine-crash", _short("ConfigError: " + line, 100), "jqlite", line)
        else:
            if returncode is None or (returncode is not None and returncode < 0):
                return Outcome("engine-crash", f"killed by signal {-(returncode or 0)}")
            return Outcome("engine-crash", f"exit {returncode} without a report")
    detail = _short(f"{etype}: {_first_line(msg)}" if msg else etype, 200)
    inner = frames[-1] if frames else None
    where = _where(inner, strategy_path)
    strat_frames = [f for f in frames if _where(f, strategy_path) == "strategy"]
    last_strat = strat_frames[-1] if strat_frames else None
    first_msg = _first_line(msg)

    at = f"L{last_strat.line} {last_strat.func}: {last_strat.text}" if last_strat else ""

    def out(cls: str, cause: str) -> Outcome:
        return Outcome(cls, _short(cause, 100), where, detail, _short(at, 160))

    # ---- load-time problems -------------------------------------------------------------
    if etype in ("UnicodeDecodeError",):
        return out("api-missing", "encoding: source is not UTF-8 (GBK?)")
    if etype in ("SyntaxError", "IndentationError", "TabError"):
        # jqlite's loader says which case a file that is neither Python 3 nor convertible
        # Python 2 is (jqlite.compat.source._syntax_message): cut short, not Python 2 either,
        # or a conversion gap
        said_truncated = "it was cut short" in first_msg
        not_py2 = "not valid Python 2 either" in first_msg
        gist = first_msg.split("; ", 1)[0]
        gist = re.sub(r"\s*\(.*\)$|\s+on line \d+$", "", gist).strip()
        gist = re.sub(r"^/?[^:]*:\d+:\s*", "", gist)
        if truncated or said_truncated or "invalid character" in gist:
            return out("strategy-bug", f"{etype}: " + ("file ends inside a block (truncated file)"
                                                     if truncated or said_truncated else gist))
        if not_py2:
            return out("strategy-bug", f"{etype}: {gist} (invalid as Python 3 and as Python 2)")
        if python2:
            return out("api-missing", f"Python 2 source not converted: {gist}")
        return out("strategy-bug", f"{etype}: {gist}")
    if etype == "MemoryError":
        return out("engine-crash", "MemoryError")
    # ---- missing modules ----------------------------------------------------------------
    if etype in ("ModuleNotFoundError", "ImportError"):
        m = re.search(r"No module named '([^']+)'", msg) or re.search(r"cannot import name '([^']+)'(?: from '([^']+)')?", msg)
        if m and m.re.pattern.startswith("cannot"):
            name = f"{m.group(2)}.{m.group(1)}" if m.group(2) else m.group(1)
        else:
            name = m.group(1) if m else first_msg
        top = name.split(".")[0]
        if top and top not in JQ_MODULES and top not in sys.stdlib_module_names:
            return out("strategy-bug", f"{etype}: {name} (the author's own module)")
        return out("api-missing", f"{etype}: {name}")
    # ---- data gaps ----------------------------------------------------------------------
    if etype in ("SecurityNotFoundError", "DataError", "DataValidationError", "FutureDataError"):
        code = _CODE.search(msg)
        gist = re.sub(r"np\.str_\(('[^']*')\)", r"\1", first_msg)
        gist = re.sub(r"\b(?:\d{6}|[A-Z]{1,2}\d{3,4})\.[A-Z]{4}\b", "<code>", gist)
        gist = re.sub(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?", "<date>", gist)
        gist = re.sub(r"(data store) \S+", r"\1", gist)
        if etype == "FutureDataError":
            return out("strategy-bug", f"{etype}: {gist}")
        if etype == "SecurityNotFoundError" and re.match(r"security '' ", first_msg) \
                and not re.search(r"returning ''|answers? ''", data_warning or ""):
            # an empty code: no market has it, JoinQuant raises too.  It comes from the strategy
            # (get_dominant_future('LH') before the variety listed answers '' on JoinQuant, as
            # documented; a blank config value) -- unless jqlite said it answered '' for lack
            # of data (then the run log's first data warning says so, and it stays data-absent)
            return out("strategy-bug", "SecurityNotFoundError: empty security code '' (no such security on JoinQuant)")
        return out("data-absent", f"{etype}: {gist}" + ("" if code else ""))
    # ---- Python 2 names -----------------------------------------------------------------
    if etype == "NameError":
        m = re.search(r"name '([^']+)' is not defined", msg)
        name = m.group(1) if m else first_msg
        defined = defined_names(source) if source else None
        if defined is not None and name not in PY2_NAMES and name not in defined:
            if name in scheduled_names(source):
                # run_daily(before_market_open, ...) with no such function: the template's
                # callback was not pasted; JoinQuant raises the same NameError
                return out("strategy-bug", f"NameError: {name} (a scheduled callback the file never defines)")
            if name in NOT_JOINQUANT_NAMES:
                return out("strategy-bug", f"NameError: {name} ({NOT_JOINQUANT_NAMES[name]})")
            # conservative: still counted against jqlite (JoinQuant's namespace may have it)
            return out("api-missing", f"NameError: {name} (defined nowhere in the file)")
        return out("api-missing", f"NameError: {name}")
    if etype == "RuntimeError" and "the strategy called exit()" in first_msg:
        # exit()/sys.exit() raise SystemExit, which is not an Exception: on JoinQuant the
        # backtest process ends there too (the author stops the run on purpose, e.g. after
        # writing a file); jqlite stops the backtest with this error
        return out("strategy-bug", "the strategy ends the backtest itself with exit()")
    if etype == "UnboundLocalError":
        return out("strategy-bug", "UnboundLocalError")
    if etype == "AttributeError":
        if "is not available in jqlite (its data is not in the store)" in first_msg:
            return out("data-absent", _short(first_msg.split(" is not available")[0] + " table not in the store", 90))
        m = re.search(r"\(JoinQuant table (\S+) has no column '([^']+)'\)", first_msg)
        if m:   # jqlite knows JoinQuant's schema: JoinQuant raises the same AttributeError
            return out("strategy-bug", f"AttributeError: JoinQuant table {m.group(1)} has no column")
        typ, attr = _attr_parts(first_msg)
        if (typ, attr) in NOT_JOINQUANT_ATTRS:
            return out("strategy-bug", f"AttributeError: {typ}.{attr} (not a JoinQuant API: "
                                       f"{NOT_JOINQUANT_ATTRS[(typ, attr)].split(' ')[0]})")
        if typ.startswith("module:"):
            return out("api-missing", f"AttributeError: {typ[7:]}.{attr}")
        if where == "jqlite" and (typ not in API_TYPES or inner.func != "__getattr__"):
            return out("engine-crash", f"AttributeError in jqlite {inner.func}(): {typ}.{attr}")
        if typ in API_TYPES:
            return out("api-missing", f"AttributeError: {typ}.{attr}")
        if attr in PY2_NAMES or attr in LEGACY_PANDAS_ATTRS and typ in DATA_TYPES | {"DatetimeIndex", "Index"}:
            return out("api-missing", f"AttributeError: {typ}.{attr} (legacy)")
        if typ == "NoneType" and (attr in {"display_name", "start_date", "end_date", "parent"}
                                  or "get_security_info" in (last_strat.text if last_strat else "")
                                  or "get_security_info(" in (data_warning or "")):
            # SecurityInfo's fields: get_security_info() gives None for a code the store lacks
            return out("data-absent", "get_security_info() gave None: code not in the store")
        if typ == "NoneType":
            return out("shape-differs", f"AttributeError: None.{attr} (an API returned None?)")
        if typ in DATA_TYPES:
            return out("shape-differs", f"AttributeError: {typ}.{attr}")
        if where == "strategy":
            return out("strategy-bug", f"AttributeError: {typ}.{attr}")
        return out("engine-crash", f"AttributeError: {typ}.{attr}")
    if etype in ("FileNotFoundError", "IOError") and any(f.func == "read_file" for f in frames):
        m = re.search(r"no such file '([^']+)'", msg)
        fname = m.group(1).lstrip("./") if m else ""
        written = bool(fname) and bool(source) and re.search(
            r"write_file\s*\([^)]*" + re.escape(fname.rsplit("/", 1)[-1]), source) is not None
        if written:   # read before this run wrote it: the author's storage held it from earlier
            # runs (write_file works, so a file written earlier in this run would be there)
            return out("strategy-bug", "read_file(): read before the strategy writes it (author's earlier runs)")
        # A file the author uploaded to their own JoinQuant storage: anyone else running the
        # public file on JoinQuant gets the same FileNotFoundError (like the author's own module).
        return out("strategy-bug", "read_file(): a file the author uploaded to their JoinQuant storage")
    # ---- errors raised inside jqlite ----------------------------------------------------
    if where == "jqlite":
        if etype == "TypeError" and re.search(r"unexpected keyword argument|positional argument|"
                                              r"required positional|takes \d+ positional|"
                                              r"got multiple values", msg):
            fn = re.match(r"(\w+(?:\.\w+)?)\(\)", first_msg)
            return out("api-missing", f"TypeError: {_short(first_msg, 90)}" if not fn else
                       f"TypeError: {first_msg}")
        if etype in ("ParamsError",):
            m = re.search(r"Invalid factors: \[([^\]]*)\]", first_msg)
            if m:
                names = re.findall(r"'([^']+)'", m.group(1))
                more = f" (+{len(names) - 1} more)" if len(names) > 1 else ""
                return out("api-missing", f"get_factor_values: unknown factor '{names[0] if names else '?'}'{more}")
            if re.search(r"is not available in jqlite", first_msg):
                return out("data-absent", _short(first_msg.split(":")[0] + ": database/table not available in jqlite", 90))
            if re.search(r"unknown industry code|unknown concept code|this data store has", first_msg):
                return out("data-absent", "industry/concept code of a scheme the store lacks")
            if re.search(r"daily bars only|no ticks|no minute", first_msg):
                return out("data-absent", "ticks/minute bars asked of a daily-only store")
            return out("strategy-bug", f"ParamsError: {_short(first_msg, 80)}")
        if etype == "NotImplementedError":
            return out("api-missing", f"NotImplementedError: {_short(first_msg, 80)}")
        if etype in ("KeyError",) and _CODE.search(msg):
            return out("data-absent", "KeyError: <security code> (not in the sample market)")
        gist = re.sub(r"\b\d{6}\.[A-Z]{4}\b", "<code>", first_msg)
        return out("engine-crash", f"{etype} in jqlite {inner.func}(): {_short(gist, 70)}")
    # ---- errors raised in the strategy or in a library called by the strategy ------------
    if etype == "ZeroDivisionError":
        # what was zero, read off the strategy's own line (zero_divisor): jqlite's data are
        # never the divisor in these shapes -- a count of free places or of a list's items
        kind, expr = zero_divisor(source, last_strat) if where == "strategy" else ("", "")
        if expr:
            at = _short(f"{at} [divisor {expr}]", 160)
        if kind == "slots":
            # cash / (N - len(positions)): zero on the first day the strategy holds the N
            # securities it aims at; JoinQuant's positions count the same holdings (spec 7.3:
            # a sold-out position leaves, positions[missing] does not insert)
            return Outcome("strategy-bug", "ZeroDivisionError: free places N - len(positions) = 0 "
                           "(already holds N; JoinQuant too)", where, detail, at)
        if data_warning:
            # the run log said data were missing before the division: an empty selection or a
            # zero count may be jqlite's gap, not the strategy's (like an empty-data IndexError)
            return Outcome("data-absent", _short("ZeroDivisionError after a data gap: " + data_warning, 100),
                           where, detail, at)
        if kind == "len":
            return Outcome("strategy-bug", "ZeroDivisionError: len() of an empty list (no data gap logged; "
                           "JoinQuant too)", where, detail, at)
        return out("strategy-bug", etype)
    if etype in ("AssertionError", "RecursionError"):
        return out("strategy-bug", etype)
    if where == "strategy" and inner is not None and re.match(r"raise\b", inner.text or ""):
        return out("strategy-bug", f"{etype} raised by the strategy")
    empty_data = etype == "IndexError" or (etype in ("ValueError", "TypeError") and re.search(
        r"out-of-bounds|out of bounds|empty|zero-size|0 elements|length 0|must not be empty|"
        r"NoneType' object is not subscriptable|argmax of an empty|attempt to get arg(?:max|min)", msg))
    no_column = etype == "KeyError" and re.match(r"\"?None of \[", first_msg.strip()) is not None
    if (empty_data or no_column) and where != "jqlite":
        # answers JoinQuant gives too, noted in the run log by jqlite
        if _unlisted_empty(jq_notes, source):
            return out("strategy-bug", "empty history of a security not yet listed (skip_paused=True: "
                                       "0 rows on JoinQuant too)")
        if "day_open" in (jq_notes or "") and "before 09:27" in (jq_notes or ""):
            return out("strategy-bug", "pool emptied by day_open read before 09:27 (NaN on JoinQuant too)")
    if etype == "KeyError":
        if _CODE.search(msg):
            return out("data-absent", "KeyError: <security code> (not in the sample market)")
        key = first_msg.strip()
        return out("shape-differs", f"KeyError: {_short(key, 60)}")
    if empty_data:
        return out("data-absent", f"{etype}: {_short(re.sub(r'[0-9]+', 'N', first_msg), 70)} (empty data?)")
    if etype == "TypeError" and re.search(r"datetime64\[ns\] and date|Timestamp with datetime\.date|"
                                          r"'DatetimeArray' and 'datetime\.date'|'datetime\.date' and 'DatetimeArray'|"
                                          r"'datetime\.date' and 'Timestamp'|'Timestamp' and 'datetime\.date'", msg):
        return out("shape-differs", "datetime.date vs datetime64/Timestamp (pandas >= 2 refuses; old pandas allowed)")
    if etype == "TypeError" and re.search(r"only 0-dimensional arrays can be converted|only (?:size|length)-1 arrays "
                                          r"can be converted", msg):
        return out("shape-differs", "float()/int() of a size-1 array (numpy >= 2 refuses; older numpy allowed)")
    if etype == "RuntimeError" and "changed size during iteration" in msg:
        pos = "positions" in (last_strat.text if last_strat else "")
        return out("shape-differs", "dict changed size during iteration" + (" (loop over positions while ordering)"
                                                                           if pos else ""))
    if etype == "TypeError" and "NoneType" in msg:
        return out("shape-differs", f"TypeError: {_short(first_msg, 80)}")
    if where == "library" and last_strat is not None:
        lib = inner.file.replace("\\", "/")
        m = re.search(r"/(?:site|dist)-packages/([^/]+)/", lib) or re.search(r"/lib/python3[^/]*/([^/]+)", lib)
        libname = m.group(1) if m else lib.rsplit("/", 1)[-1]
        gist = re.sub(r"'[^']*'", "'…'", first_msg)
        return out("shape-differs", f"{etype} in {libname}: {_short(gist, 70)}")
    gist = re.sub(r"\b\d{6}\.[A-Z]{4}\b", "<code>", first_msg)
    return out("shape-differs", f"{etype}: {_short(gist, 80)}")
