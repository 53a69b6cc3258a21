"""``jqlite check``: a compatibility report on a JoinQuant strategy file, before running it.

The file is read and decoded as ``jqlite backtest`` reads it, converted to Python 3 when it
is Python 2 (through :mod:`jqlite.strategy`'s loader pieces, so the check sees exactly the
code the run would execute), then analysed statically with :mod:`ast` and :mod:`symtable`.
Nothing of the strategy runs.  What is compared is the *real* jqlite: the names of
:func:`jqlite.strategy.base_namespace`, the attributes of the objects a strategy receives
(``context``, ``Portfolio``, ``Position``, ``get_current_data()[s]``, ``Order``, ...), the
``finance``/``macro`` tables and fundamentals columns, the factor registry, the installed
modules and the chosen data store.

Each :class:`Finding` has a severity:

``blocker``
    The run will fail when that line runs: a name jqlite does not define, an attribute the
    object does not have, a module that is not installed (with the jqlite extra that
    provides it), a name a module does not export, a security the store does not hold, a
    minute-bar request the store cannot serve, a syntax error no conversion fixes.
``warning``
    The run goes on but differs from JoinQuant or needs the compatibility layers: Python 2
    constructs that were converted, ``/`` between integers that now gives a float, legacy
    pandas/numpy idioms served by jqlite's legacy layer, data the store lacks (NaN or empty
    results), intraday times on daily bars, options jqlite ignores.

Decisions (the check is static; these are where it has to guess):

* A value's kind (Portfolio, Position, current data, order, ...) is inferred from how it is
  obtained (``context.portfolio.positions[s]``, ``for p in ...positions.values()``,
  ``get_current_data()``, ``order(...)``), per function.  Anything else is not checked, so
  unknown-attribute findings have few false alarms and may miss some.
* ``context`` accepts every attribute the file assigns to it anywhere (JoinQuant allows user
  attributes); ``setattr(context, <non-literal>, ...)`` turns the context check off.
* An import inside ``try: ... except ImportError`` (or a bare/``Exception`` handler) that
  fails is a warning: the file handles it.
* A security literal (``'510300.XSHG'``) the store does not hold is a blocker
  (``SecurityNotFoundError`` when it is priced or ordered), except as the index argument of
  ``get_index_stocks``/``get_index_weights``, which return nothing for an unknown index
  (warning).
* ``/`` in a Python 2 file is reported where both operands are integers by construction
  (int literals, ``len()``, ``int()``, names only ever bound to such values); it is a
  blocker where the quotient indexes a sequence or feeds ``range()`` (a float there raises
  ``TypeError``), a warning elsewhere.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import importlib.util
import io
import json
import re
import symtable
import sys
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

BLOCKER = "blocker"
WARNING = "warning"

#: module (top-level import name) -> the jqlite extra that installs it (pyproject.toml);
#: jqlite.compat.libs' table when this jqlite has it (one definition with the run's message)
EXTRAS = {
    "sklearn": "ml", "lightgbm": "ml", "xgboost": "ml", "statsmodels": "ml", "tqdm": "ml",
    "networkx": "ml", "torch": "dl", "matplotlib": "jq", "seaborn": "jq", "pykalman": "jq",
    "cvxpy": "jq", "tushare": "jq", "keras": "jq",
}
#: modules JoinQuant had that no jqlite extra provides, with what to do instead
NOT_PROVIDED = {
    "tensorflow": "jqlite runs Keras 3 on the torch backend (extra 'jq'); TensorFlow is not provided",
    "jqdatasdk": "jqdatasdk is JoinQuant's remote client; inside a strategy use jqdata",
}
try:
    from .compat.libs import MODULE_EXTRAS as EXTRAS  # noqa: F811
    from .compat.libs import NOT_PROVIDED as _NP
    NOT_PROVIDED = {**NOT_PROVIDED, **_NP}
except ImportError:
    pass

#: removed pandas/numpy module attributes (legacy idioms) -> what replaced them
LEGACY_MODULE_ATTRS = {
    "numpy": {
        "float": "float", "int": "int", "bool": "bool", "object": "object", "str": "str",
        "long": "int", "unicode": "str", "complex": "complex", "float_": "np.float64",
        "complex_": "np.complex128", "NaN": "np.nan", "NAN": "np.nan", "Inf": "np.inf",
        "Infinity": "np.inf", "PINF": "np.inf", "NINF": "-np.inf", "infty": "np.inf",
        "product": "np.prod", "cumproduct": "np.cumprod", "sometrue": "np.any",
        "alltrue": "np.all", "round_": "np.round", "asscalar": "a.item()",
        "asfarray": "np.asarray(a, float)", "mat": "np.asmatrix", "msort": "np.sort(a, axis=0)",
        "string_": "np.bytes_", "unicode_": "np.str_", "Inf_": "np.inf",
    },
    "pandas": {
        **{f"rolling_{k}": f".rolling(n).{k}()" for k in (
            "mean", "std", "sum", "max", "min", "var", "corr", "cov", "count", "median", "apply",
            "quantile", "skew", "kurt", "window")},
        **{f"expanding_{k}": f".expanding().{k}()" for k in (
            "mean", "std", "sum", "max", "min", "var", "corr", "cov", "count", "median", "apply")},
        "ewma": ".ewm(...).mean()", "ewmstd": ".ewm(...).std()", "ewmvar": ".ewm(...).var()",
        "ewmcorr": ".ewm(...).corr()", "ewmcov": ".ewm(...).cov()", "ols": "statsmodels OLS",
        "Panel": "a MultiIndex DataFrame", "TimeGrouper": "pd.Grouper(freq=...)",
        "datetools": "pd.tseries.offsets", "np": "numpy", "stats": "statsmodels",
        "TimeSeries": "pd.Series", "Panel4D": "xarray", "WidePanel": "a MultiIndex DataFrame",
        "SparseDataFrame": "pd.DataFrame", "SparseSeries": "pd.Series", "tslib": "pd.Timestamp",
        "scatter_matrix": "pd.plotting.scatter_matrix", "lib": "pandas.api", "Int64Index": "pd.Index",
        "Float64Index": "pd.Index", "UInt64Index": "pd.Index", "datetime": "datetime.datetime",
    },
}
#: removed pandas methods, called on any object (``df.ix[...]``, ``s.as_matrix()``)
LEGACY_METHODS = {
    "ix": ".loc / .iloc (removed in pandas 1.0)",
    "as_matrix": ".to_numpy() (removed in pandas 1.0)",
    "get_value": ".at[] (removed in pandas 1.0)",
    "set_value": ".at[] = (removed in pandas 1.0)",
    "irow": ".iloc (removed in pandas 0.20)",
    "icol": ".iloc (removed in pandas 0.20)",
    "iget_value": ".iat (removed)",
    "sortlevel": ".sort_index(level=) (removed in pandas 1.0)",
    "reindex_axis": ".reindex (removed in pandas 1.0)",
    "convert_objects": ".infer_objects() (removed in pandas 1.0)",
    "to_panel": "a MultiIndex DataFrame (removed in pandas 1.0)",
    "get_dtype_counts": ".dtypes.value_counts() (removed in pandas 1.0)",
    "ftypes": ".dtypes (removed in pandas 1.0)",
    "tshift": ".shift(freq=) (removed in pandas 2.0)",
    "mad": "(x - x.mean()).abs().mean() (removed in pandas 2.0)",
    "iteritems": ".items() (removed in pandas 2.0; dicts: Python 2 only)",
    "is_copy": "(removed in pandas 1.0)",
    "order": ".sort_values() (Series.order removed in pandas 0.20)",
}
#: keyword arguments that identify ``DataFrame.sort``/``Series.sort`` (list.sort has key/reverse)
_PANDAS_SORT_KW = {"columns", "ascending", "axis", "inplace", "kind", "na_position", "by"}
#: keyword arguments that identify ``DataFrame.append`` (list.append takes none)
_PANDAS_APPEND_KW = {"ignore_index", "verify_integrity", "sort"}

#: security code literals checked against the store: stocks/funds/indexes and futures
#: contracts (``RB8888.XSGE``, ``IF2103.CCFX``) of JoinQuant's exchange suffixes
_SECURITY_RE = re.compile(r"^(\d{6}\.(XSHG|XSHE|BJSE)|[A-Z]{1,2}\d{3,4}\.(XSGE|XDCE|XZCE|CCFX|XINE|GFEX))$")
_MINUTE_RE = re.compile(r"^\d+m$")
#: index-code arguments: an unknown index gives an empty list, not an error
_INDEX_FUNCS = {"get_index_stocks", "get_index_weights"}
#: calls whose unit/frequency argument is checked: name -> (positional index, keyword, count index)
_BAR_CALLS = {
    "get_price": (3, "frequency", None),
    "history": (1, "unit", 0),
    "attribute_history": (2, "unit", 1),
    "get_bars": (2, "unit", 1),
}
_ONE_BAR_FIELDS = {"close", "price", "avg", "open", "high", "low"}
_SCHEDULERS = {"run_daily": 1, "run_weekly": 2, "run_monthly": 2}
_ORDER_FUNCS = {"order", "order_target", "order_value", "order_target_value"}
_CALLBACKS = {"initialize", "handle_data", "before_trading_start", "after_trading_end",
              "process_initialize", "after_code_changed", "on_strategy_end", "handle_tick",
              "on_event"}


# ==================================================================== report objects
@dataclass
class Finding:
    """One compatibility finding.

    Attributes
    ----------
    kind : str
        ``syntax``, ``python2``, ``division``, ``name``, ``attribute``, ``import``,
        ``legacy``, ``option``, ``schedule``, ``frequency``, ``fundamentals``, ``finance``,
        ``security``, ``factor``, ``file`` (``read_file``), ``iteration``, ``futures``
        (``get_future_contracts(v)[i]`` on a store without the variety), ``future``
        (``get_bars(include_now=True)`` intraday on a store without minute bars), ``exit``, ``unsupported``
        (an API function this jqlite always raises in), ``shape`` (a comparison this jqlite's
        frames refuse), ``classification`` (industry/concept codes), ``source``
        (the loader's remarks), ``store``, ``internal`` (the check itself failed on a worker).
    name : str
        What the finding is about (an API name, module, security code, column, ...).
    line : int or None
        First line (1-based) in the user's file; None for file-wide findings.
    severity : str
        ``'blocker'`` (the run will fail when it gets there) or ``'warning'``.
    message : str
        One sentence: what happens and what to do.
    lines : list of int
        Every line where it occurs (``line`` is the first).
    """

    kind: str
    name: str
    line: int | None
    severity: str
    message: str
    lines: list[int] = field(default_factory=list)


@dataclass
class CheckReport:
    """The findings on one strategy file.

    Attributes
    ----------
    file : str
    python2 : bool
        The file is Python 2 and was converted before the analysis.
    findings : list of Finding
        Sorted by line.
    store : str or None
        The data store the data checks used (None when there was none).
    """

    file: str
    python2: bool = False
    findings: list[Finding] = field(default_factory=list)
    store: str | None = None

    @property
    def blockers(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKER]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        """True when nothing blocks (``jqlite check`` exits 0)."""
        return not self.blockers

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``file``, ``python2``, ``store``, ``ok``, ``blockers``,
        ``warnings`` (counts) and ``findings`` (list of dicts with ``kind``, ``name``,
        ``line``, ``severity``, ``message``, ``lines``)."""
        return {"file": self.file, "python2": self.python2, "store": self.store, "ok": self.ok,
                "blockers": len(self.blockers), "warnings": len(self.warnings),
                "findings": [asdict(f) for f in self.findings]}


# ==================================================================== loader pieces
def read_source(path: str | Path) -> str:
    """Text of a strategy file, decoded as ``jqlite backtest`` decodes it.

    Uses :func:`jqlite.compat.source.decode_source` (coding line, BOM, UTF-8, then
    charset-normalizer's guess) when this jqlite has it; otherwise UTF-8 (with or without
    BOM), then GB18030.

    Raises
    ------
    jqlite.errors.ConfigError
        When the bytes cannot be decoded.
    """
    data = Path(path).read_bytes()
    try:
        from .compat.source import decode_source
    except ImportError:
        decode_source = None
    if decode_source is not None:
        return decode_source(data, str(path))[0]
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            pass
    return data.decode("utf-8", errors="replace")


def to_python3(src: str) -> str | None:
    """Python 3 text of Python 2 ``src`` as the loader converts it (None: not convertible)."""
    from .strategy import python2_to_3
    return python2_to_3(src)


def _refactoring_module():
    """fissix (maintained lib2to3 fork) or the standard library's lib2to3."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from fissix import refactor
            return refactor, "fissix"
        except ImportError:  # pragma: no cover - fissix is a core dependency
            from lib2to3 import refactor
            return refactor, "lib2to3"


#: fixer -> what it converts (for the report)
_FIXER_TEXT = {
    "print": "print statement -> print() call",
    "except": "'except X, e' -> 'except X as e'",
    "raise": "'raise E, msg' -> 'raise E(msg)'",
    "has_key": "d.has_key(k) -> k in d",
    "dict": "d.iteritems()/iterkeys()/itervalues() -> items()/keys()/values(); keys()/values()/items() wrapped in list()",
    "xrange": "xrange -> range",
    "unicode": "unicode -> str",
    "long": "long -> int",
    "basestring": "basestring -> str",
    "ne": "'<>' -> '!='",
    "numliterals": "octal/long literals (0777, 10L) -> 0o777, 10",
    "exec": "exec statement -> exec()",
    "repr": "`x` -> repr(x)",
    "apply": "apply(f, args) -> f(*args)",
    "raw_input": "raw_input -> input",
    "reduce": "reduce -> functools.reduce",
    "next": "it.next() -> next(it)",
    "filter": "filter() wrapped in list()",
    "map": "map() wrapped in list()",
    "zip": "zip() wrapped in list()",
    "imports": "renamed modules (cPickle, StringIO, urllib2, ...)",
    "import": "implicit relative import",
    "idioms": "type(x) == T / sort idioms",
    "tuple_params": "tuple parameters in def",
    "standarderror": "StandardError -> Exception",
    "paren": "unparenthesised tuple in a comprehension",
    "itertools": "itertools.imap/izip/ifilter -> map/zip/filter",
    "metaclass": "__metaclass__ -> metaclass=",
    "nonzero": "__nonzero__ -> __bool__",
    "funcattrs": "f.func_name -> f.__name__",
    "methodattrs": "m.im_func -> m.__func__",
    "renames": "sys.maxint -> sys.maxsize",
    "input": "input() -> eval(input())",
    "execfile": "execfile -> exec(open().read())",
    "intern": "intern -> sys.intern",
    "operator": "operator.isCallable / sequenceIncludes",
    "getcwdu": "os.getcwdu -> os.getcwd",
    "types": "types.StringType ... -> str ...",
    "urllib": "urllib/urllib2 -> urllib.request/parse",
    "old_div": "a / b -> old_div(a, b): integer operands still floor, as in Python 2",
    "string_consts": "string.letters/lowercase/uppercase -> string.ascii_*",
}


def python2_constructs(src: str) -> dict[str, list[int]]:
    """Python 2 constructs in ``src``: fixer name -> lines it rewrote (sorted).

    Runs the 2to3 fixers of :data:`jqlite.strategy.PY2_FIXERS` through fissix with each
    fixer's ``transform`` wrapped to record the lines it changed.  Empty when ``src`` cannot
    be parsed as Python 2 either.
    """
    from . import strategy
    refactor, pkg = _refactoring_module()
    fixers = getattr(strategy, "PY2_FIXERS", tuple(_FIXER_TEXT))
    available = set(refactor.get_fixers_from_package(f"{pkg}.fixes"))
    names = [f"{pkg}.fixes.fix_{f}" for f in fixers if f"{pkg}.fixes.fix_{f}" in available]
    try:   # jqlite's own fixers (old_div, ...) when this jqlite has them
        from .compat import source as _src
        division = not re.search(r"^\s*from\s+__future__\s+import\s+[^#\n]*\bdivision\b", src, re.M)
        names += [f"jqlite.compat.fixes.fix_{f}" for f in getattr(_src, "JQ_FIXERS", ())
                  if division or f != "old_div"]
    except ImportError:
        pass
    out: dict[str, set[int]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tool = refactor.RefactoringTool(names)
        for fixer in list(tool.pre_order) + list(tool.post_order):
            fname = type(fixer).__module__.rsplit(".fix_", 1)[-1]
            orig = fixer.transform

            def transform(node, results, _orig=orig, _name=fname):
                before = str(node)
                line = node.get_lineno()
                first = (line or 0) - node.prefix.count("\n")   # line where str(node) starts
                new = _orig(node, results)
                after = str(new) if new is not None else str(node)
                if after != before and line:
                    b, a = before.splitlines(), after.splitlines()
                    i = next((k for k, (x, y) in enumerate(zip(b, a)) if x != y), min(len(a), len(b)))
                    out.setdefault(_name, set()).add(max(first + i, line))
                return new
            fixer.transform = transform
        text = src if src.endswith("\n") else src + "\n"
        try:
            tool.refactor_string(text, "<strategy>")
        except Exception:
            return {}
    return {k: sorted(v) for k, v in out.items()}


# ==================================================================== what jqlite implements
class _Implemented:
    """Introspected once: jqlite's strategy namespace and the attributes of its objects."""

    _instance: "_Implemented | None" = None

    @classmethod
    def get(cls) -> "_Implemented":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def __init__(self):
        import types

        from .accounting.portfolio import Portfolio, Position, Positions
        from .api import settings
        from .api.market import CurrentData, SecurityInfo, _CurrentUnit
        from .execution.orders import Order, Trade
        from .objects import Context, RunParams, SecurityUnitData, StrategyLog
        from .strategy import base_namespace

        self.namespace = base_namespace()
        self.builtins = set(dir(builtins)) | {"__file__", "__name__", "__builtins__", "__doc__"}

        def public(obj) -> set[str]:
            return {n for n in dir(obj) if not n.startswith("_")}

        stub_run = types.SimpleNamespace(store=types.SimpleNamespace(col=lambda c: 0), day_i=0)
        unit = SecurityUnitData(stub_run, "000001.XSHE")
        self.attrs: dict[str, set[str]] = {
            "context": set(Context._SYSTEM),
            "portfolio": public(Portfolio(100000.0)),
            "position": public(Position("000001.XSHE")),
            "positions": public(Positions()),
            "current_data": public(CurrentData),
            "current_unit": set(_CurrentUnit.__slots__),
            "bar_data": public(dict),
            "bar_unit": public(unit),
            "order": {n for n in dir(Order) if not n.startswith("_")},
            "trade": {n for n in dir(Trade) if not n.startswith("_")},
            "security_info": public(SecurityInfo("x", "", "", None, None, "stock")),
            "log": public(StrategyLog(None)),
            "run_params": public(RunParams(None, None)),
            "dict": public(dict),
            "list_portfolio": public(list),
        }
        self.options = set(getattr(settings, "_KNOWN_OPTIONS", ()))
        self.bar_unit_fields = self.attrs["bar_unit"]


# ==================================================================== analysis helpers
def _const_str(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _const_int(node) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _arg(call: ast.Call, pos: int | None, kw: str | None):
    """The argument node at position ``pos`` or keyword ``kw`` (None when absent)."""
    if kw is not None:
        for k in call.keywords:
            if k.arg == kw:
                return k.value
    if pos is not None and pos < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[:pos + 1]):
        return call.args[pos]
    return None



def _assigned_strs(nodes, name: str) -> tuple[bool, list[str] | None]:
    """``(found, strings)`` over the plain assignments ``name = [...]`` among ``nodes``: the
    string lists concatenated, or None as soon as one assigned value is not a literal list
    of strings (then the name cannot be resolved statically)."""
    vals: list[str] = []
    found = False
    for n in nodes:
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in n.targets):
            v = _str_list(n.value)
            if v is None:
                return True, None
            vals += v
            found = True
    return found, vals

def _str_list(node) -> list[str] | None:
    """``'x'`` or ``['x', 'y']`` -> list of str; None when not all literal."""
    s = _const_str(node)
    if s is not None:
        return [s]
    if isinstance(node, (ast.List, ast.Tuple)):
        vals = [_const_str(e) for e in node.elts]
        if all(v is not None for v in vals):
            return vals
    return None


def _call_name(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("jqdata", "jqfactor"):
        return f.attr
    return None


def _handled_imports(tree: ast.AST) -> set[int]:
    """ids of Import/ImportFrom nodes inside a try whose handlers catch ImportError."""
    out: set[int] = set()
    catch = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            names = set()
            for h in node.handlers:
                if h.type is None:
                    names.add("Exception")
                for n in ast.walk(h.type) if h.type is not None else ():
                    if isinstance(n, ast.Name):
                        names.add(n.id)
                    elif isinstance(n, ast.Attribute):
                        names.add(n.attr)
            if names & catch:
                for stmt in node.body:
                    for n in ast.walk(stmt):
                        if isinstance(n, (ast.Import, ast.ImportFrom)):
                            out.add(id(n))
    return out


@contextlib.contextmanager
def _quiet():
    """Silence what importing third-party modules prints or warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield


def _legacy_layer():
    """jqlite's legacy pandas/numpy layer module, or None when this jqlite has none."""
    try:
        return importlib.import_module("jqlite.compat.legacy")
    except ImportError:
        return None


def _legacy_view():
    """Context in which imports see what the strategy sees: the legacy layer installed
    (``pandas.stats``) before a module is imported or looked into."""
    mod = _legacy_layer()
    install = getattr(mod, "install", None) if mod is not None else None
    if callable(install):
        try:
            with _quiet():
                install()
        except Exception:  # pragma: no cover - a broken layer: the imports say so
            pass
    return contextlib.nullcontext()


def legacy_restored() -> dict[str, set[str]] | None:
    """Names jqlite's legacy layer restores: ``{'numpy': {...}, 'pandas': {...},
    'methods': {...}}`` (methods of Series/DataFrame, ``'sort_index(by=)'`` included), or
    None when this jqlite has no legacy layer.  A layer without a ``RESTORED`` table is
    taken to restore every name of :data:`LEGACY_MODULE_ATTRS` and :data:`LEGACY_METHODS`."""
    mod = _legacy_layer()
    if mod is None:
        return None
    table = getattr(mod, "RESTORED", None)
    if not isinstance(table, dict):
        return {"numpy": set(LEGACY_MODULE_ATTRS["numpy"]), "pandas": set(LEGACY_MODULE_ATTRS["pandas"]),
                "methods": set(LEGACY_METHODS) | {"sort", "append", "sort_index(by=)"}}
    methods = set(table.get("Series", ())) | set(table.get("DataFrame", ()))
    return {"numpy": set(table.get("numpy", ())), "pandas": set(table.get("pandas", ())),
            "methods": methods}


def python2_namespace() -> dict[str, Any]:
    """Extra globals a converted Python 2 file gets (``reduce``, ``cmp``, ``old_div``, ...)."""
    try:
        from .compat.source import PY2_NAMESPACE
        return dict(PY2_NAMESPACE)
    except ImportError:
        return {}


_RAISES_CACHE: dict[int, str | None] = {}


def always_raises(fn) -> str | None:
    """The error an API function always raises (its body returns nothing and ends in
    ``raise``: ``get_ticks`` on a store without ticks), or None.  Read from the function's
    own source, so a jqlite that implements it is never flagged."""
    import inspect
    key = id(fn)
    if key in _RAISES_CACHE:
        return _RAISES_CACHE[key]
    out = None
    try:
        f = inspect.unwrap(fn)
        if inspect.isfunction(f):
            tree = ast.parse(__import__("textwrap").dedent(inspect.getsource(f)))
            d = tree.body[0]
            if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef)) and d.body and \
                    isinstance(d.body[-1], ast.Raise) and \
                    not any(isinstance(n, (ast.Return, ast.Yield, ast.YieldFrom)) for n in ast.walk(d)):
                exc = d.body[-1].exc
                msg = exc.args[0] if isinstance(exc, ast.Call) and exc.args else None
                text = ast.unparse(msg) if msg is not None else ast.unparse(exc) if exc is not None else "raise"
                out = f"{ast.unparse(exc.func) if isinstance(exc, ast.Call) else 'error'}: {text.strip(chr(34) + chr(39) + 'f')}"
    except (OSError, TypeError, SyntaxError, IndexError):
        out = None
    _RAISES_CACHE[key] = out
    return out


_DATE_COLUMNS_PROBE: list = []


def date_columns_refuse_dates() -> bool:
    """True when the date columns jqlite's frames hold (``get_all_securities()``'s
    ``start_date``/``end_date``) refuse a comparison with a ``datetime.date`` -- pandas >= 2
    raises ``TypeError`` where JoinQuant's old pandas compared.  Probed on the real column
    (research mode on the default store); False when it cannot be probed."""
    if not _DATE_COLUMNS_PROBE:
        import datetime as _dt
        result = False
        try:
            with _quiet():
                import jqdata
                col = jqdata.get_all_securities()["start_date"]
            try:
                _ = col > _dt.date(2000, 1, 1)
            except TypeError:
                result = True
        except Exception:
            result = False
        _DATE_COLUMNS_PROBE.append(result)
    return _DATE_COLUMNS_PROBE[0]


def positions_unsafe_iterations() -> set[str]:
    """Ways of iterating ``context.portfolio.positions`` that fail when the loop's orders add
    or remove a position (``RuntimeError: dictionary changed size during iteration``),
    probed on jqlite's real ``Positions``: a subset of ``{'iter', 'keys', 'values', 'items'}``."""
    from .accounting.portfolio import Position, Positions
    bad = set()
    for form in ("iter", "keys", "values", "items"):
        p = Positions()
        for c in ("a", "b"):
            dict.__setitem__(p, c, Position(c))
        it = {"iter": lambda: p, "keys": p.keys, "values": p.values, "items": p.items}[form]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for _ in it():
                    dict.pop(p, "b", None)     # a sale that empties a position removes it
        except RuntimeError:
            bad.add(form)
    return bad


# ==================================================================== the checker
class _Checker:
    def __init__(self, src: str, filename: str, store=None, python2: bool = False, storage=None):
        self.src = src
        self.storage = storage
        self.filename = filename
        self.store = store
        self.python2 = python2
        self.impl = _Implemented.get()
        self.findings: list[Finding] = []
        self.tree = ast.parse(src, filename)
        self._parents: dict[int, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self._parents[id(child)] = node
        self.restored = legacy_restored()
        self._assigned_names = self._collect_assigned_names()

    # ------------------------------------------------------------- bookkeeping
    def add(self, kind, name, line, severity, message, lines=None) -> None:
        for f in self.findings:   # one finding per (kind, name, severity): lines collected
            if f.kind == kind and f.name == name and f.severity == severity:
                if line is not None and line not in f.lines:
                    f.lines.append(line)
                    f.lines.sort()
                    f.line = f.lines[0]
                return
        self.findings.append(Finding(kind, name, line, severity, message,
                                     sorted(set(lines or ([line] if line is not None else [])))))

    def _legacy(self, name, line, message, group: str = "methods", key: str | None = None) -> None:
        """A removed pandas/numpy name: a warning when the legacy layer restores it."""
        restored = self.restored
        key = key if key is not None else name.lstrip(".").split(".")[-1]
        if restored is not None and key in restored.get(group, ()):
            self.add("legacy", name, line, WARNING, f"{message}; runs through jqlite's legacy layer")
        elif restored is not None:
            self.add("legacy", name, line, BLOCKER,
                     f"{message}; jqlite's legacy layer does not restore it (AttributeError)")
        else:
            self.add("legacy", name, line, BLOCKER,
                     f"{message}; this jqlite has no legacy layer (jqlite.compat.legacy) to run it")

    def _collect_assigned_names(self) -> set[str]:
        """Names bound anywhere in the file other than by import (assignment, def, for, ...)."""
        out: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                out.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(node.name)
            elif isinstance(node, ast.arg):
                out.add(node.arg)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                out.add(node.name)
        return out

    def run(self) -> list[Finding]:
        self.check_imports()
        self.check_names()
        self.check_object_chains()
        self.check_kinds()
        self.check_legacy_methods()
        self.check_position_loops()
        self.check_date_comparisons()
        self.check_calls()
        if self.python2:
            self.check_division()
        if self.store is not None:
            self.check_securities()
        self.check_empty_tables_indexed()
        if self.store is not None:
            self.check_future_contracts_indexed()
        self._downgrade_unreachable()
        if not self._has_minute():
            self._downgrade_time_guarded()
        self._downgrade_branch_only_names()
        self.findings.sort(key=lambda f: (f.line or 0, f.severity != BLOCKER, f.kind, f.name))
        return self.findings

    # ------------------------------------------------------------- reachability
    def unreachable_functions(self) -> list[ast.AST]:
        """Functions nothing in the file can call: not a JoinQuant callback, not referenced
        (called, scheduled, passed) from module-level code or from a reachable function.
        Empty when the file looks names up dynamically (``globals()``, ``eval``, ``getattr``
        with a computed name)."""
        funcs: dict[str, list[ast.AST]] = {}
        classes: dict[str, ast.ClassDef] = {}
        for n in ast.walk(self.tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                funcs.setdefault(n.name, []).append(n)
            elif isinstance(n, ast.ClassDef):
                classes[n.name] = n
            elif isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and \
                    n.func.id in ("globals", "eval", "exec", "locals", "vars"):
                return []
            elif isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "getattr" \
                    and len(n.args) >= 2 and _const_str(n.args[1]) is None:
                return []

        def own_refs(body_nodes) -> set[str]:
            out: set[str] = set()
            stack = list(body_nodes)
            while stack:
                x = stack.pop()
                if isinstance(x, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    stack.extend(x.decorator_list)
                    stack.extend(x.args.defaults)
                    continue
                if isinstance(x, ast.ClassDef):
                    stack.extend(x.bases)
                    stack.extend(x.body)     # a class body runs where it is defined
                    continue
                if isinstance(x, ast.Name):
                    out.add(x.id)
                elif isinstance(x, ast.Attribute):
                    out.add(x.attr)
                else:
                    s = _const_str(x)
                    if s is not None and s.isidentifier():
                        out.add(s)           # getattr(obj, 'name'), callbacks by name
                stack.extend(ast.iter_child_nodes(x))
            return out

        # a module-level def redefined later at module level is replaced before any
        # callback runs (files that paste several strategies one after another): only the
        # last definition of each name can be called
        last_top: dict[str, ast.AST] = {}
        for n in self.tree.body:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                last_top[n.name] = n
        shadowed = {id(n) for n in self.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and last_top[n.name] is not n}
        for name in list(funcs):
            funcs[name] = [f for f in funcs[name] if id(f) not in shadowed]
        reach: set[int] = set()
        main_blocks = {id(b) for b in self._main_blocks()}
        todo = set(own_refs([n for n in self.tree.body if id(n) not in main_blocks])) | _CALLBACKS
        seen_names: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen_names:
                continue
            seen_names.add(name)
            for f in funcs.get(name, ()):
                if id(f) not in reach:
                    reach.add(id(f))
                    todo |= own_refs(f.body) - seen_names
            if name in classes:
                for m in classes[name].body:
                    if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and id(m) not in reach:
                        reach.add(id(m))
                        todo |= own_refs(m.body) - seen_names
        # a function nested in an unreachable one is unreachable too: keep outermost only
        out = [f for fs in funcs.values() for f in fs if id(f) not in reach]
        out += [n for n in self.tree.body if id(n) in shadowed]
        return out

    def _main_blocks(self) -> list[ast.If]:
        """``if __name__ == '__main__':`` blocks (JoinQuant IDE launchers): a backtest runs
        the file under another ``__name__``, so they never run."""
        out = []
        for n in self.tree.body:
            t = n.test if isinstance(n, ast.If) else None
            if isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.Eq):
                sides = [t.left, t.comparators[0]]
                if any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides) and \
                        any(_const_str(x) == "__main__" for x in sides):
                    out.append(n)
        return out

    def _downgrade_unreachable(self) -> None:
        dead = self.unreachable_functions()
        later = {n.name: n.lineno for n in self.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}

        def label(f) -> str:
            if f in self.tree.body and later.get(f.name, f.lineno) > f.lineno:
                return f"{f.name}() of line {f.lineno} (redefined on line {later[f.name]})"
            return f.name + "()"
        spans = [(f.lineno, getattr(f, "end_lineno", f.lineno) or f.lineno, label(f)) for f in dead]
        spans += [(b.lineno, b.end_lineno or b.lineno, "the if __name__ == '__main__' block")
                  for b in self._main_blocks()]
        if not spans:
            return
        for fd in self.findings:
            if fd.severity != BLOCKER or not fd.lines:
                continue
            owners = [next((nm for a, b, nm in spans if a <= ln <= b), None) for ln in fd.lines]
            if all(o is not None for o in owners):
                fd.severity = WARNING
                fd.message += f" [only in {', '.join(sorted(set(owners)))}, which a backtest never runs]"

    def _reads_time_of_day(self, expr, timed: set[str]) -> bool:
        """True when ``expr`` reads the time of day: ``.hour``/``.minute``/``.second``,
        ``.time()``, ``strftime('%H...')``, or a name in ``timed`` (assigned such a value)."""
        for n in ast.walk(expr):
            if isinstance(n, ast.Attribute) and n.attr in ("hour", "minute", "second"):
                return True
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
                if n.func.attr == "time" and not n.args:
                    return True
                if n.func.attr == "strftime" and n.args and any(
                        d in (_const_str(n.args[0]) or "") for d in ("%H", "%M", "%X", "%T")):
                    return True
            if isinstance(n, ast.Name) and n.id in timed:
                return True
        return False

    def _time_guards(self) -> list[tuple[int, int]]:
        """Line spans of ``if`` branches whose test reads the time of day (body and else)."""
        spans: list[tuple[int, int]] = []
        for scope, nodes in self._scopes():
            timed: set[str] = set()
            for _ in range(2):     # names assigned from the time of day (two passes: chains)
                for n in nodes:
                    if isinstance(n, ast.Assign) and self._reads_time_of_day(n.value, timed):
                        timed |= {t.id for t in n.targets if isinstance(t, ast.Name)}
            for n in nodes:
                if isinstance(n, (ast.If, ast.While)) and self._reads_time_of_day(n.test, timed):
                    for part in (n.body, n.orelse):
                        if part:
                            spans.append((part[0].lineno, max(getattr(x, "end_lineno", x.lineno) or x.lineno
                                                               for x in part)))
        if not spans:
            return spans
        return spans + self._only_called_in(spans)

    def _only_called_in(self, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Line spans of the file's functions referenced only inside ``spans`` (or inside
        functions that are), JoinQuant callbacks excepted."""
        spans = list(spans)
        extra: list[tuple[int, int]] = []
        defs = {n.name: n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        refs: dict[str, list[int]] = {}
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Name) and n.id in defs and isinstance(n.ctx, ast.Load):
                refs.setdefault(n.id, []).append(n.lineno)
        guarded: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name, lines in refs.items():
                if name not in guarded and name not in _CALLBACKS and \
                        all(any(a <= ln <= b for a, b in spans) for ln in lines):
                    d = defs[name]
                    spans.append((d.lineno, d.end_lineno or d.lineno))
                    extra.append(spans[-1])
                    guarded.add(name)
                    changed = True
        return extra

    #: finding kinds whose blockers are warnings when every line is inside an ``if`` branch
    BRANCH_UNCERTAIN = ("name", "unsupported")

    def _downgrade_branch_only_names(self) -> None:
        """Undefined names and always-raising API calls that occur only inside ``if``/``elif``/
        ``else`` branches are warnings: the error comes only when the branch is taken, and a
        branch such as a -90 % stop-loss may never be taken in the backtest window (on the
        corpus, such names were the author's typos in branches their own JoinQuant runs
        never took).  Other kinds keep their severity."""
        spans: list[tuple[int, int]] = []
        for n in ast.walk(self.tree):
            if isinstance(n, ast.If) and n not in self._main_blocks():
                for part in (n.body, n.orelse):
                    if part:
                        spans.append((part[0].lineno, max(getattr(x, "end_lineno", x.lineno) or x.lineno
                                                           for x in part)))
        if not spans:
            return
        for fd in self.findings:
            if fd.severity == BLOCKER and fd.kind in self.BRANCH_UNCERTAIN and fd.lines and \
                    all(any(a <= ln <= b for a, b in spans) for ln in fd.lines):
                fd.severity = WARNING
                fd.message += " [only inside if-branches: fails only if the run takes one]"

    def _downgrade_time_guarded(self) -> None:
        """Blockers only under a time-of-day test (``if context.current_dt.hour == 14``) are
        warnings on a store without minute bars: a daily run sees one time a day (or the
        scheduled one), so whether it ever enters the branch is not known."""
        spans = self._time_guards()
        if not spans:
            return
        for fd in self.findings:
            if fd.severity == BLOCKER and fd.lines and all(any(a <= ln <= b for a, b in spans) for ln in fd.lines):
                fd.severity = WARNING
                fd.message += (" [only under a time-of-day test; on daily bars the run may never take that "
                               "branch]")

    # ------------------------------------------------------------- imports
    def check_imports(self) -> None:
        handled = _handled_imports(self.tree)
        self.star_names: set[str] = set()
        self.star_unknown = False
        self.module_names: dict[str, Any] = {}     # name -> module object bound by import
        self.class_names: dict[str, type] = {}     # name -> class bound by 'from m import C'
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    mod = self._import(a.name, node, id(node) in handled)
                    if mod is None:
                        continue
                    if a.asname:
                        self.module_names[a.asname] = mod
                    else:
                        top = sys.modules.get(a.name.split(".")[0])
                        if top is not None:
                            self.module_names[a.name.split(".")[0]] = top
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    continue
                mod = self._import(node.module, node, id(node) in handled)
                if mod is None:
                    if any(a.name == "*" for a in node.names):
                        self.star_unknown = True
                    continue
                for a in node.names:
                    if a.name == "*":
                        names = getattr(mod, "__all__", None)
                        if names is None:
                            names = [n for n in dir(mod) if not n.startswith("_")]
                        self.star_names.update(names)
                        continue
                    obj = self._from_import(mod, node.module, a.name, node, id(node) in handled)
                    if obj is not None and type(obj).__name__ == "module":
                        self.module_names[a.asname or a.name] = obj
                    elif isinstance(obj, type) and type(obj) is type and node.module.split(".")[0] not in (
                            "jqdata", "jqfactor", "jqlib", "kuanke", "jqlite"):
                        self.class_names[a.asname or a.name] = obj

    def _import(self, name: str, node, handled: bool):
        """Import module ``name`` (as the run would); report and return None when it fails."""
        sev = WARNING if handled else BLOCKER
        tail = " (the import is inside try/except: the file handles its absence)" if handled else ""
        from .compat.libs import PY2_MODULES
        if name in PY2_MODULES:   # cPickle, sklearn.cross_validation, ...: the runtime aliases them
            self.add("import", name, node.lineno, WARNING,
                     f"module {name!r} no longer exists; jqlite's legacy layer imports "
                     f"{PY2_MODULES[name]!r} in its place")
            try:
                with _quiet(), _legacy_view():
                    return importlib.import_module(PY2_MODULES[name])
            except Exception:  # noqa: BLE001 - the target itself is missing: reported below
                name = PY2_MODULES[name]
        top = name.split(".")[0]
        try:
            with _quiet(), _legacy_view():
                spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            if top in EXTRAS:
                msg = (f"module {top!r} is not installed; it comes with jqlite's '{EXTRAS[top]}' extra: "
                       f"pip install 'jqlite-engine[{EXTRAS[top]}]'")
            elif top in NOT_PROVIDED:
                msg = f"module {top!r} is not installed; {NOT_PROVIDED[top]}"
            else:
                msg = f"module {top!r} is not installed and no jqlite extra provides it"
            self.add("import", top, node.lineno, sev, msg + tail)
            return None
        try:
            with _quiet(), _legacy_view():
                return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            ver = getattr(sys.modules.get(top), "__version__", "")
            self.add("import", name, node.lineno, sev,
                     f"module {name!r} does not exist in the installed {top} {ver} "
                     f"({exc.msg})".replace("  ", " ") + tail)
        except Exception as exc:  # the module is there but importing it fails
            self.add("import", name, node.lineno, sev,
                     f"importing {name!r} fails: {type(exc).__name__}: {exc}"[:300] + tail)
        return None

    def _from_import(self, mod, modname: str, name: str, node, handled: bool):
        if hasattr(mod, name):
            return getattr(mod, name)
        try:
            with _quiet(), _legacy_view():
                return importlib.import_module(f"{modname}.{name}")
        except Exception:
            pass
        top = modname.split(".")[0]
        ver = getattr(sys.modules.get(top), "__version__", "")
        layer = _legacy_layer()
        restored = getattr(layer, "RESTORED", {}) if layer is not None else {}
        if isinstance(restored, dict) and name in restored.get(modname, ()):
            # a removed library name jqlite's legacy layer serves to strategy code
            self.add("legacy", f"{modname}.{name}", node.lineno, WARNING,
                     f"{modname}.{name} was removed from {top} {ver}; runs through jqlite's "
                     "legacy layer".replace("  ", " "))
            return None
        where = f" (installed {top} {ver})" if ver else (" (jqlite's module)" if top in (
            "jqdata", "jqfactor", "jqlib", "kuanke") else "")
        self.add("import", f"{modname}.{name}", node.lineno, WARNING if handled else BLOCKER,
                 f"cannot import name {name!r} from {modname!r}{where}")
        return None

    # ------------------------------------------------------------- free names
    def check_names(self) -> None:
        if self.star_unknown:
            return   # a failed star import: its names are unknown (the import is reported)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            st = symtable.symtable(self.src, self.filename, "exec")
        bound: set[str] = set()
        for s in st.get_symbols():
            if s.is_assigned() or s.is_imported() or s.is_namespace():
                bound.add(s.get_name())
        used: set[str] = set()
        # names each scope resolves globally, by (scope type, first line, name) -- the key an
        # AST scope node maps to (two lambdas on one line share a key: their sets are merged)
        global_in: dict[tuple, set[str]] = {}

        def walk(t, top: bool) -> None:
            here = global_in.setdefault((t.get_type() if not top else "module", t.get_lineno(), t.get_name()), set())
            for s in t.get_symbols():
                if s.is_declared_global() and s.is_assigned():
                    bound.add(s.get_name())
                if s.is_referenced() and (top or s.is_global()):
                    used.add(s.get_name())
                    here.add(s.get_name())
            for c in t.get_children():
                walk(c, False)
        walk(st, True)
        known = bound | self.impl.builtins | set(self.impl.namespace) | self.star_names
        if self.python2:
            known |= set(python2_namespace())
        unknown = used - known
        if not unknown:
            return
        handled = self._name_error_handled()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in unknown:
                # innermost scope symtable knows (3.12+ inlines comprehensions: no table)
                scope = next((global_in[k] for k in self._scope_keys(node) if k in global_in), None)
                if scope is not None and node.id not in scope:
                    continue    # local (a parameter or assignment of an enclosing scope)
                sev = WARNING if id(node) in handled else BLOCKER
                self.add("name", node.id, node.lineno, sev, self._name_message(node.id))

    _COMPREHENSIONS = {ast.ListComp: "listcomp", ast.SetComp: "setcomp", ast.DictComp: "dictcomp",
                       ast.GeneratorExp: "genexpr"}

    def _scope_keys(self, node) -> list[tuple]:
        """symtable keys of the scopes holding ``node``, innermost first."""
        keys: list[tuple] = []
        child, p = node, self._parents.get(id(node))
        while p is not None:
            if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef)) and child not in p.decorator_list \
                    and child is not p.returns and child not in p.args.defaults:
                keys.append(("function", p.lineno, p.name))
            elif isinstance(p, ast.Lambda) and child is p.body:
                keys.append(("function", p.lineno, "lambda"))
            elif isinstance(p, ast.ClassDef) and child in p.body:
                keys.append(("class", p.lineno, p.name))
            elif type(p) in self._COMPREHENSIONS:
                # the first generator's iterable is evaluated in the enclosing scope: that
                # case skips this node below; its target and 'if' clauses are the comprehension's
                keys.append(("function", p.lineno, self._COMPREHENSIONS[type(p)]))
            if isinstance(p, ast.comprehension) and child is p.iter:
                gp = self._parents.get(id(p))
                if gp is not None and gp.generators and gp.generators[0] is p:
                    child, p = gp, self._parents.get(id(gp))
                    continue
            child, p = p, self._parents.get(id(p))
        keys.append(("module", 0, "top"))
        return keys

    def _name_error_handled(self) -> set[int]:
        out: set[int] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Try):
                names = {n.id for h in node.handlers if h.type is not None for n in ast.walk(h.type)
                         if isinstance(n, ast.Name)}
                if names & {"NameError", "Exception", "BaseException"} or any(h.type is None for h in node.handlers):
                    for stmt in node.body:
                        out.update(id(n) for n in ast.walk(stmt))
        return out

    def _name_message(self, name: str) -> str:
        py2 = {"xrange": "range", "unicode": "str", "long": "int", "basestring": "str",
               "raw_input": "input", "reduce": "functools.reduce", "unichr": "chr",
               "execfile": "exec(open(f).read())", "cmp": "(a > b) - (a < b)", "file": "open"}
        if name in py2:
            return (f"name {name!r} is Python 2 only (use {py2[name]}); NameError when the line runs "
                    f"(the file is Python 3 syntax, so it is not converted)")
        hint = ""
        for modname in ("jqfactor", "jqlib.technical_analysis", "jqlib.optimizer", "kuanke.wizard", "jqdata"):
            try:
                with _quiet():
                    m = importlib.import_module(modname)
            except Exception:
                continue
            if hasattr(m, name):
                hint = f"; jqlite has it in {modname} (add 'from {modname} import {name}')"
                break
        return f"name {name!r} is not defined in jqlite's strategy namespace (NameError when the line runs){hint}"

    # ------------------------------------------------------------- module / table attribute chains
    def check_object_chains(self) -> None:
        """``np.float``, ``pd.rolling_mean``, ``jqdata.get_x``, ``finance.STK_X.col``,
        ``valuation.col``: resolved with getattr on the real objects."""
        from .api.finance import _Finance, _Unavailable
        from .api.fundamentals import SqlTable
        roots: dict[str, Any] = {}
        for name, obj in self.impl.namespace.items():
            if name not in self._assigned_names and name not in self.module_names:
                if type(obj).__name__ == "module" or isinstance(obj, (_Finance, _Unavailable, SqlTable)):
                    roots[name] = obj
        for name, obj in {**self.class_names, **self.module_names}.items():
            if name not in self._assigned_names:
                roots[name] = obj
        # attributes the file sets on some object (pd.DataFrame.f = ...): never reported
        stored = {n.attr for n in ast.walk(self.tree) if isinstance(n, ast.Attribute)
                  and isinstance(n.ctx, (ast.Store, ast.Del))}
        stored |= {_const_str(n.args[1]) for n in ast.walk(self.tree) if isinstance(n, ast.Call)
                   and isinstance(n.func, ast.Name) and n.func.id == "setattr" and len(n.args) >= 2}
        for name in self.star_names:
            if name in self.impl.namespace and name not in self._assigned_names:
                obj = self.impl.namespace[name]
                if isinstance(obj, (_Finance, _Unavailable, SqlTable)):
                    roots[name] = obj
        for node in ast.walk(self.tree):   # tables used whole: query(valuation)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and \
                    isinstance(roots.get(node.id), SqlTable):
                self._table_used(roots[node.id], node.lineno)
        seen: set[int] = set()
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Attribute) or id(node) in seen:
                continue
            chain = []
            cur = node
            while isinstance(cur, ast.Attribute):
                chain.append(cur)
                seen.add(id(cur))
                cur = cur.value
            if not isinstance(cur, ast.Name) or cur.id not in roots:
                continue
            chain.reverse()
            obj = roots[cur.id]
            path = cur.id
            for attr_node in chain:
                if isinstance(attr_node.ctx, (ast.Store, ast.Del)):
                    break
                attr = attr_node.attr
                if isinstance(obj, type) and (attr in stored or attr.startswith("__")):
                    break
                ok, value, err = self._getattr(obj, attr)
                label = f"{path}.{attr}"
                if not ok:
                    self._missing_attr(obj, path, attr, attr_node.lineno, err)
                    break
                if isinstance(obj, type):
                    break       # a class's attribute: its value is not followed
                if isinstance(obj, SqlTable):
                    self._table_column(obj, attr, attr_node.lineno)
                if isinstance(value, SqlTable):
                    self._table_used(value, attr_node.lineno)
                obj, path = value, label
                if isinstance(obj, type) and type(obj) is type and not obj.__module__.startswith(
                        ("jqlite", "jqdata", "jqfactor", "jqlib", "kuanke")):
                    continue    # module.Class.attr: the class's attributes are checked (one level)
                if not (type(obj).__name__ == "module" or isinstance(obj, (_Finance, SqlTable))):
                    break

    def _getattr(self, obj, attr):
        from .api.finance import _Unavailable
        if isinstance(obj, _Unavailable):
            try:
                getattr(obj, attr)
            except Exception as exc:
                return False, None, exc
            return True, None, None
        try:
            with _quiet(), _legacy_view():
                return True, getattr(obj, attr), None
        except Exception as exc:
            if type(obj).__name__ == "module":
                try:
                    with _quiet(), _legacy_view():
                        return True, importlib.import_module(f"{obj.__name__}.{attr}"), None
                except Exception:
                    pass
            return False, None, exc

    def _missing_attr(self, obj, path, attr, line, err) -> None:
        from .api.finance import _Finance, _Unavailable
        from .api.fundamentals import FundamentalsTable, SqlTable
        label = f"{path}.{attr}"
        if type(obj).__name__ == "module":
            top = obj.__name__.split(".")[0]
            legacy = LEGACY_MODULE_ATTRS.get(top, {})
            restored = (self.restored or {}).get(top, set())
            if obj.__name__ == top and (attr in legacy or attr in restored):
                ver = getattr(obj, "__version__", "")
                use = f"; use {legacy[attr]}" if attr in legacy else ""
                self._legacy(label, line, f"{label} was removed from {top} (installed {ver}{use})",
                             group=top, key=attr)
                return
            if obj.__name__ in ("jqdata", "jqfactor") or obj.__name__.startswith(("jqlib", "kuanke")):
                self.add("attribute", label, line, BLOCKER,
                         f"{label}: jqlite's {obj.__name__} has no {attr!r} (AttributeError when the line runs)")
                return
            self.add("attribute", label, line, BLOCKER,
                     f"module {obj.__name__!r} has no attribute {attr!r} (installed "
                     f"{getattr(sys.modules.get(top), '__version__', '?')}; AttributeError when the line runs)")
        elif isinstance(obj, type):
            self.add("attribute", label, line, BLOCKER,
                     f"type object {obj.__module__}.{obj.__qualname__} has no attribute {attr!r} "
                     f"(AttributeError when the line runs)")
        elif isinstance(obj, _Unavailable):
            self.add("finance", label, line, BLOCKER, f"{err}")
        elif isinstance(obj, _Finance):
            self.add("finance", label, line, BLOCKER, f"{err}")
        elif isinstance(obj, FundamentalsTable):
            self.add("fundamentals", label, line, BLOCKER, f"{err}")
        elif isinstance(obj, SqlTable):
            self.add("finance", label, line, BLOCKER, f"{err}")

    def _table_used(self, table, line) -> None:
        """Data checks on a fundamentals/finance table the file queries."""
        from .api.finance import _EMPTY, _SAMPLE_ONLY, FinanceTable, _sample_only_elsewhere
        from .api.fundamentals import FundamentalsTable
        name = table._name
        if isinstance(table, FinanceTable):
            what = _EMPTY.get(name)
            if what is None and self.store is not None and _sample_only_elsewhere(self.store, name):
                what = _SAMPLE_ONLY[name]
            if what is not None:
                self.add("finance", f"{table._db}.{name}", line, WARNING,
                         f"{table._db}.{name}: the data store has no {what}; "
                         f"run_query returns an empty DataFrame")
        elif isinstance(table, FundamentalsTable) and self.store is not None and self._panel() is None:
            self.add("fundamentals", "fundamentals", line, BLOCKER,
                     f"the data store {self.store.path} has no fundamentals (get_fundamentals raises "
                     f"DataError); import them with `jqlite data import`")

    def _table_column(self, table, column, line) -> None:
        """Data checks on a fundamentals column the store serves (NaN when not stored)."""
        from .api.fundamentals import FundamentalsTable
        if column.startswith("_") or column in ("c", "columns"):
            return
        name = table._name
        if not isinstance(table, FundamentalsTable) or self.store is None:
            return
        panel = self._panel()
        if panel is None:
            return
        if column in ("code", "day", "pubDate", "statDate", "id"):
            return
        if not panel.has(name, column):
            self.add("fundamentals", f"{name}.{column}", line, WARNING,
                     f"{name}.{column} is a JoinQuant column the data store does not hold: its values are NaN")

    def _panel(self):
        if not hasattr(self, "_panel_cache"):
            try:
                from .data import fundamentals as F
                self._panel_cache = (F.fundamentals_panel(self.store)
                                     if (Path(self.store.path) / F.DIRNAME).exists() else None)
            except Exception:
                self._panel_cache = None
        return self._panel_cache

    # ------------------------------------------------------------- rows of empty tables
    def _empty_table(self, expr, aliases: dict[str, str]) -> str | None:
        """``db.TABLE`` label when ``expr`` mentions a finance/macro table that this jqlite
        serves empty (:data:`jqlite.api.finance._EMPTY`), else None."""
        from .api.finance import _EMPTY, FinanceTable
        for n in ast.walk(expr):
            if isinstance(n, ast.Name) and n.id in aliases:
                return aliases[n.id]
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and \
                    n.value.id in ("finance", "macro") and n.value.id not in self._assigned_names:
                t = getattr(self.impl.namespace.get(n.value.id), n.attr, None) if n.attr in _EMPTY else None
                if isinstance(t, FinanceTable):
                    return f"{n.value.id}.{n.attr}"
        return None

    def check_empty_tables_indexed(self) -> None:
        """``pmi = macro.run_query(query(macro.MAC_X...)); pmi['pmi'].values[-1]`` where this
        jqlite has no data for the table: the result is empty and reading a row by position
        raises IndexError.  Not reported when the function tests the result's emptiness
        (``.empty``, ``len(...)``)."""
        try:
            from .api.finance import _EMPTY
        except ImportError:
            return
        if not _EMPTY:
            return
        for scope, nodes in self._scopes():
            aliases: dict[str, str] = {}      # a = macro.MAC_X ; q = query(a.x) ...
            tainted: dict[str, str] = {}      # names holding an empty result (or derived)
            for _ in range(3):
                for n in sorted((x for x in nodes if isinstance(x, ast.Assign)), key=lambda x: x.lineno):
                    names = [t.id for t in n.targets if isinstance(t, ast.Name)]
                    if not names:
                        continue
                    v = n.value
                    is_rq = isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and \
                        v.func.attr == "run_query"
                    label = self._empty_table(v, {**aliases, **tainted}) if not is_rq else \
                        self._empty_table(ast.Module(body=[ast.Expr(a) for a in v.args], type_ignores=[]),
                                          {**aliases, **tainted})
                    if label is None:
                        continue
                    for name in names:
                        if is_rq or name in tainted or any(isinstance(x, ast.Name) and x.id in tainted
                                                           for x in ast.walk(v)):
                            tainted[name] = label
                        else:
                            aliases[name] = label     # the table, or a query on it
            results = {k: v for k, v in tainted.items() if k not in aliases}
            if not results:
                continue
            guarded = False
            for n in nodes:
                if isinstance(n, ast.Attribute) and n.attr == "empty" and isinstance(n.value, ast.Name) \
                        and n.value.id in results:
                    guarded = True
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "len" and \
                        n.args and any(isinstance(x, ast.Name) and x.id in results for x in ast.walk(n.args[0])):
                    guarded = True
            if guarded:
                continue
            for n in nodes:
                if not isinstance(n, ast.Subscript) or not isinstance(n.ctx, ast.Load):
                    continue
                sl = n.slice
                if isinstance(sl, ast.UnaryOp) and isinstance(sl.op, ast.USub):
                    sl = sl.operand
                if _const_int(sl) is None:
                    continue
                hit = next((results[x.id] for x in ast.walk(n.value) if isinstance(x, ast.Name)
                            and x.id in results), None)
                if hit is not None:
                    self.add("finance", f"{hit}[row]", n.lineno, BLOCKER,
                             f"{ast.unparse(n)[:60]}: {hit} has no data in this jqlite ({_EMPTY[hit.split('.')[-1]]} "
                             f"is not in the store), so the query result is empty and reading a row by "
                             f"position raises IndexError")

    def check_future_contracts_indexed(self) -> None:
        """``get_future_contracts('IF')[0]`` where the store holds no contract of the variety
        (or no futures at all): the list is empty and the index raises IndexError.  The
        store's securities of type futures/index_futures and jqlite's own code pattern
        (:data:`jqlite.api.reference._FUTURE_CODE`) decide."""
        sites = []
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Load) and isinstance(n.value, ast.Call) \
                    and _call_name(n.value) == "get_future_contracts" and not isinstance(n.slice, ast.Slice):
                sites.append(n)
        if not sites:
            return
        try:
            from .api.reference import _FUTURE_CODE
            sec = self.store.securities
            fut = sec[sec["type"].isin(["futures", "index_futures"])]
            codes = [str(c) for c in (fut["code"] if "code" in fut.columns else fut.index)]
        except Exception:
            return
        for n in sites:
            syms = self._resolve_strs(_arg(n.value, 0, "underlying_symbol"), n)
            if codes and not syms:
                continue        # the store has futures; the variety is not known statically
            def has(sym: str) -> bool:
                pat = re.compile(_FUTURE_CODE.format(sym=re.escape(sym.upper())))
                return any((m := pat.match(c)) and m.group(1) not in ("8888", "9999", "888", "999")
                           for c in codes)
            missing = [sym for sym in (syms or ["?"]) if not has(sym)]
            if getattr(self.store, "synthesizes", False):
                from .data.futures import VARIETIES   # the sample market synthesises these
                missing = [sym for sym in missing if sym.upper() not in VARIETIES]
            for sym in missing:
                what = "no futures contracts" if not codes else f"no {sym!r} contracts"
                self.add("futures", f"get_future_contracts({sym!r})[i]", n.lineno, BLOCKER,
                         f"{ast.unparse(n)[:60]}: the data store has {what}, so get_future_contracts() "
                         f"returns [] and the index raises IndexError")

    # ------------------------------------------------------------- object kinds
    def _scopes(self) -> Iterable[tuple[ast.AST, list[ast.AST]]]:
        """(scope node, its own nodes not inside nested functions) for module and functions."""
        def own(scope):
            out = []
            stack = list(ast.iter_child_nodes(scope))
            while stack:
                n = stack.pop()
                out.append(n)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                    continue
                stack.extend(ast.iter_child_nodes(n))
            return out
        yield self.tree, own(self.tree)
        for n in ast.walk(self.tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield n, own(n)

    def _kind(self, node, env: dict[str, str]) -> str | None:
        """Kind of the value of expression ``node`` (None: not tracked)."""
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            if node.id == "context":
                return "context"
            if node.id == "log" and "log" not in self._assigned_names:
                return "log"
            return None
        if isinstance(node, ast.Attribute):
            base = self._kind(node.value, env)
            a = node.attr
            if base == "context":
                return {"portfolio": "portfolio", "subportfolios": "list_portfolio",
                        "run_params": "run_params"}.get(a)
            if base == "portfolio":
                return "positions" if a in ("positions", "long_positions", "short_positions") else None
            return None
        if isinstance(node, ast.Subscript):
            base = self._kind(node.value, env)
            return {"positions": "position", "current_data": "current_unit", "bar_data": "bar_unit",
                    "list_portfolio": "portfolio", "orders_dict": "order",
                    "trades_dict": "trade"}.get(base)
        if isinstance(node, ast.Call):
            f = node.func
            name = _call_name(node)
            if name is not None and isinstance(f, ast.Name) and f.id in self._assigned_names:
                name = None
            if name == "get_current_data":
                return "current_data"
            if name == "get_security_info":
                return "security_info"
            if name in _ORDER_FUNCS:
                return "order"
            if name in ("get_open_orders", "get_orders"):
                return "orders_dict"
            if name == "get_trades":
                return "trades_dict"
            if isinstance(f, ast.Attribute):
                base = self._kind(f.value, env)
                item = {"positions": "position", "orders_dict": "order", "trades_dict": "trade",
                        "current_data": "current_unit"}.get(base)
                if item and f.attr == "get":
                    return item
                if item and f.attr == "values":
                    return "iter:" + item
                if item and f.attr == "items":
                    return "items:" + item
            if isinstance(f, ast.Name) and f.id == "list" and node.args:
                return self._kind(node.args[0], env)
        return None

    def _bind(self, target, kind, env) -> None:
        if kind is None:
            return
        if isinstance(target, ast.Name):
            env[target.id] = kind

    def _env(self, scope, nodes) -> dict[str, str]:
        env: dict[str, str] = {}
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            params = [a.arg for a in scope.args.args]
            if scope.name in _CALLBACKS and params:
                env[params[0]] = "context"
            if scope.name == "handle_data" and len(params) > 1:
                env[params[1]] = "bar_data"
        rebound: set[str] = set()
        for _ in range(2):
            for n in nodes:
                if isinstance(n, ast.Assign) and len(n.targets) == 1:
                    k = self._kind(n.value, env)
                    t = n.targets[0]
                    if isinstance(t, ast.Name):
                        if k is None and t.id in env and env[t.id] != "context":
                            rebound.add(t.id)
                        self._bind(t, k, env)
                elif isinstance(n, (ast.For, ast.comprehension)):
                    k = self._kind(n.iter, env)
                    if k is None:
                        continue
                    if k.startswith("iter:"):
                        self._bind(n.target, k[5:], env)
                    elif k.startswith("items:") and isinstance(n.target, ast.Tuple) and len(n.target.elts) == 2:
                        self._bind(n.target.elts[1], k[6:], env)
        for name in rebound:   # bound to a tracked kind and to something else: do not guess
            env.pop(name, None)
        return env

    def check_kinds(self) -> None:
        impl = self.impl
        ctx_attrs = set(impl.attrs["context"])
        context_open = False
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
                ctx_attrs.add(node.attr)   # any object's attribute assignment (context.x = ...)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
                if len(node.args) >= 2:
                    s = _const_str(node.args[1])
                    if s is None:
                        context_open = True
                    else:
                        ctx_attrs.add(s)
        for scope, nodes in self._scopes():
            env = self._env(scope, nodes)
            for n in nodes:
                if not isinstance(n, ast.Attribute) or not isinstance(n.ctx, ast.Load):
                    continue
                kind = self._kind(n.value, env)
                if kind is None or kind.startswith(("iter:", "items:")):
                    continue
                allowed = ctx_attrs if kind == "context" else impl.attrs.get(kind)
                if allowed is None or n.attr in allowed or (kind == "context" and context_open):
                    continue
                if n.attr.startswith("__"):
                    continue
                label = {"context": "context", "portfolio": "Portfolio", "position": "Position",
                         "positions": "positions (dict)", "current_data": "get_current_data()",
                         "current_unit": "get_current_data()[s]", "bar_data": "handle_data's data",
                         "bar_unit": "handle_data's data[s]", "order": "Order", "trade": "Trade",
                         "security_info": "get_security_info()", "log": "log",
                         "run_params": "context.run_params", "orders_dict": "orders (dict)",
                         "trades_dict": "trades (dict)", "list_portfolio": "context.subportfolios"}.get(kind, kind)
                if kind in ("order",):
                    sev_note = " (and order functions return None when no order is placed)"
                else:
                    sev_note = ""
                self.add("attribute", f"{label}.{n.attr}", n.lineno, BLOCKER,
                         f"{label} has no attribute {n.attr!r} in jqlite (AttributeError when the line runs){sev_note}")

    # ------------------------------------------------------------- positions changed in a loop
    def check_position_loops(self) -> None:
        """``for s in context.portfolio.positions: order_target(s, 0)`` fails where jqlite's
        positions iterate live (the sale removes the key while the loop runs)."""
        bad = positions_unsafe_iterations()
        if not bad:
            return
        funcs: dict[str, list[ast.AST]] = {}
        for n in ast.walk(self.tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                funcs.setdefault(n.name, []).append(n)

        def calls(node) -> set[str]:
            return {_call_name(c) for c in ast.walk(node) if isinstance(c, ast.Call)} - {None}
        ordering = set(_ORDER_FUNCS)
        changed = True
        while changed:       # functions of the file that (transitively) place orders
            changed = False
            for name, defs in funcs.items():
                if name not in ordering and any(calls(d) & ordering for d in defs):
                    ordering.add(name)
                    changed = True
        for scope, nodes in self._scopes():
            env = self._env(scope, nodes)
            for n in nodes:
                if not isinstance(n, ast.For):
                    continue
                it = n.iter
                form = None
                if self._kind(it, env) == "positions":
                    form = "iter"
                elif isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and \
                        it.func.attr in ("keys", "values", "items") and not it.args and \
                        self._kind(it.func.value, env) == "positions":
                    form = it.func.attr
                if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and \
                        it.func.id in ("list", "tuple", "sorted", "set", "dict"):
                    continue     # a snapshot
                if form is None or form not in bad:
                    continue
                if any(calls(stmt) & ordering for stmt in n.body):
                    # fails once an order in the loop sells a position out (a run that never
                    # holds anything passes: on the corpus, the runs that traded failed)
                    self.add("iteration", "positions", n.lineno, BLOCKER,
                             "orders placed while iterating over context.portfolio.positions fail with "
                             "'RuntimeError: dictionary changed size during iteration' in this jqlite "
                             "as soon as one sells a position out; iterate over list(context.portfolio.positions)")

    # ------------------------------------------------------------- date columns vs dates
    def check_date_comparisons(self) -> None:
        """``df['start_date'] > context.previous_date``: pandas >= 2 refuses to compare a
        datetime64 column with a ``datetime.date`` (probed on jqlite's real column)."""
        def is_date_column(e) -> bool:
            return isinstance(e, ast.Subscript) and _const_str(e.slice) in ("start_date", "end_date")

        def is_date(e) -> bool:
            if isinstance(e, ast.BinOp):
                return is_date(e.left)
            if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr == "date" and not e.args:
                return True      # x.date()
            if isinstance(e, ast.Attribute) and e.attr == "previous_date":
                return True
            if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr == "today" \
                    and isinstance(e.func.value, ast.Attribute) and e.func.value.attr == "date":
                return True      # datetime.date.today()
            return False
        hits = []
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Compare) and len(n.comparators) == 1 and \
                    isinstance(n.ops[0], (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
                a, b = n.left, n.comparators[0]
                if (is_date_column(a) and is_date(b)) or (is_date_column(b) and is_date(a)):
                    hits.append(n)
        if hits and date_columns_refuse_dates():
            for n in hits:
                self.add("shape", ast.unparse(n)[:60], n.lineno, BLOCKER,
                         "comparing a start_date/end_date column with a datetime.date raises TypeError "
                         "with pandas >= 2 (JoinQuant's pandas compared them); compare with pd.Timestamp(...)")

    # ------------------------------------------------------------- legacy method idioms
    def check_legacy_methods(self) -> None:
        frame_calls = {"get_price", "attribute_history", "history", "get_fundamentals", "DataFrame",
                       "get_fundamentals_continuously", "get_valuation", "get_all_securities", "Series",
                       "concat", "read_csv", "get_extras", "get_money_flow"}
        frames: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                v = node.value
                if isinstance(v, ast.Call):
                    f = v.func
                    fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                    if fname in frame_calls:
                        frames.add(node.targets[0].id)
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Attribute) or not isinstance(node.ctx, ast.Load):
                continue
            a = node.attr
            parent = self._parents.get(id(node))
            is_call = isinstance(parent, ast.Call) and parent.func is node
            if a in LEGACY_METHODS and (is_call or a in ("ix", "ftypes", "is_copy")):
                if a == "iteritems" and self.python2:
                    continue   # converted to items()
                if a == "order" and not is_call:
                    continue
                self._legacy(f".{a}", node.lineno, f".{a} is a removed pandas API (use {LEGACY_METHODS[a]})")
            elif a == "sort" and is_call:
                kws = {k.arg for k in parent.keywords}
                recv_frame = isinstance(node.value, ast.Name) and node.value.id in frames
                if kws & _PANDAS_SORT_KW or recv_frame or any(_const_str(x) is not None for x in parent.args):
                    self._legacy(".sort", node.lineno,
                                 "DataFrame.sort/Series.sort was removed in pandas 0.20 (use sort_values/sort_index)")
            elif a == "sort_index" and is_call and any(k.arg == "by" for k in parent.keywords):
                self._legacy(".sort_index(by=)", node.lineno, "sort_index(by=...) was removed (use sort_values(by=...))",
                             key="sort_index(by=)")
            elif a == "append" and is_call:
                kws = {k.arg for k in parent.keywords}
                recv_frame = isinstance(node.value, ast.Name) and node.value.id in frames
                if kws & _PANDAS_APPEND_KW or recv_frame:
                    self._legacy(".append", node.lineno,
                                 "DataFrame.append/Series.append was removed in pandas 2.0 (use pd.concat)")
            elif a == "has_key" and is_call and not self.python2:
                self.add("attribute", ".has_key", node.lineno, BLOCKER,
                         "dict.has_key() is Python 2 only (use 'k in d'); AttributeError when the line runs "
                         "(the file is Python 3 syntax, so it is not converted)")
            elif a in ("iterkeys", "itervalues") and is_call and not self.python2:
                self.add("attribute", f".{a}", node.lineno, BLOCKER,
                         f"dict.{a}() is Python 2 only; AttributeError when the line runs "
                         f"(the file is Python 3 syntax, so it is not converted)")

    # ------------------------------------------------------------- calls: data, schedule, options
    def _has_minute(self) -> bool:
        """True when the store serves minute bars (a store format with minute bars)."""
        st = self.store
        if st is None:
            return False
        try:   # the data API's own test (1-minute or imported 5-minute bars)
            from .api.market import _has_minute
            return bool(_has_minute(st))
        except ImportError:
            pass
        except Exception:
            return False
        return False     # a jqlite without minute support in its data API

    def check_calls(self) -> None:
        from .scheduler import parse_time
        from .errors import ParamsError
        import datetime as _dt
        minute = self._has_minute()
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            if name is None or (isinstance(node.func, ast.Name) and name in self._assigned_names):
                continue
            if name in _BAR_CALLS:
                self._check_unit(node, name, minute)
            elif name in _SCHEDULERS:
                t = _arg(node, _SCHEDULERS[name], "time")
                s = _const_str(t) if t is not None else None
                if s is None:
                    continue
                try:
                    when = parse_time(s)
                except ParamsError as exc:
                    self.add("schedule", s, node.lineno, BLOCKER, str(exc))
                    continue
                if s.strip().lower() == "every_bar":
                    if not minute:
                        self.add("schedule", s, node.lineno, WARNING,
                                 f"{name}(..., 'every_bar') runs once a day on daily bars "
                                 f"(JoinQuant's minute mode runs it every minute)")
                elif _dt.time(9, 30) < when < _dt.time(15, 0) and not minute:
                    self.add("schedule", s, node.lineno, WARNING,
                             f"{name}(..., {s!r}): intraday time on daily bars; orders placed then fill at "
                             f"the day's close (JoinQuant: that minute's price)")
            elif name == "set_option":
                key = _const_str(_arg(node, 0, "name")) if (node.args or node.keywords) else None
                if key is not None and self.impl.options and key not in self.impl.options:
                    self.add("option", key, node.lineno, WARNING,
                             f"set_option({key!r}) is not a jqlite option: it is ignored (warned at run time)")
            elif name in ("get_ticks", "get_current_tick") and name in self.impl.namespace:
                if not minute:
                    self.add("unsupported", name, node.lineno, BLOCKER,
                             f"{name}() builds ticks from minute bars, which the data store does not hold "
                             f"(ParamsError)")
                else:
                    self.add("data", name, node.lineno, WARNING,
                             f"{name}(): ticks are synthesised from the minute bars (one a minute, one-tick "
                             f"book), not JoinQuant's 3-second snapshots")
            elif name == "get_call_auction" and name in self.impl.namespace:
                self.add("data", name, node.lineno, WARNING,
                         "get_call_auction(): auction snapshots are synthesised from the daily bars "
                         "(price = the day's open, deterministic volume and book)")
            elif name == "get_factor_values":
                self._check_factors(node)
            elif name == "read_file":
                self._check_read_file(node)
            elif name in ("get_industry_stocks", "get_concept_stocks") and self.store is not None:
                self._check_classification(node, name)
            elif name in self.impl.namespace and name not in self._assigned_names:
                why = always_raises(self.impl.namespace[name])
                if why is not None:
                    self.add("unsupported", name, node.lineno, BLOCKER,
                             f"{name}() always raises in this jqlite: {why}")
            elif name == "set_benchmark":
                pass  # security literals are checked in check_securities
        self._check_exits()
        self._check_future_bars()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef) and node.name == "handle_data" and not minute:
                intraday = [n for n in ast.walk(node) if isinstance(n, ast.Attribute)
                            and n.attr in ("hour", "minute") ]
                if intraday:
                    self.add("frequency", "handle_data", node.lineno, WARNING,
                             "handle_data reads the time of day (.hour/.minute) but runs once a day on daily "
                             "bars (JoinQuant's minute mode calls it every minute)")

    #: fields of today's still-forming daily bar that are known intraday without minute bars
    #: (the rest come from the minute bars that have ended, jqlite.api.market.get_bars)
    _KNOWN_INTRADAY = {"date", "open", "high_limit", "low_limit", "paused", "factor", "pre_close"}

    def _intraday_functions(self) -> set[str]:
        """Names of the file's functions that run intraday (09:30 < time < 15:00): scheduled by
        ``run_daily``/``run_weekly``/``run_monthly`` at such a time, and what they call."""
        from .scheduler import parse_time
        import datetime as _dt
        funcs = {n.name: n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        todo: list[str] = []
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Call) and _call_name(n) in _SCHEDULERS and n.args and isinstance(n.args[0], ast.Name):
                t = _const_str(_arg(n, _SCHEDULERS[_call_name(n)], "time"))
                try:
                    when = parse_time(t) if t is not None else None
                except Exception:
                    when = None
                if when is not None and _dt.time(9, 30) < when < _dt.time(15, 0):
                    todo.append(n.args[0].id)
        out: set[str] = set()
        while todo:
            name = todo.pop()
            if name in out or name not in funcs:
                continue
            out.add(name)
            todo += [c.func.id for c in ast.walk(funcs[name]) if isinstance(c, ast.Call)
                     and isinstance(c.func, ast.Name) and c.func.id in funcs]
        return out

    def _check_future_bars(self) -> None:
        """``get_bars(..., include_now=True)`` of high/low/close/volume/money on daily units,
        intraday, on a store WITHOUT minute bars: JoinQuant returns today's bar as it stands at
        that minute (not future data, no FutureDataError even under ``avoid_future_data``);
        jqlite builds it from minute bars and, without them, returns the whole day's bar --
        a look-ahead (WARNING; the run log says it too).  Nothing to say when the store has
        minute bars or is not known."""
        st = self.store
        if st is None or st.minute_bars() is not None or st.minute_bars(5) is not None:
            return
        intraday = None
        for n in ast.walk(self.tree):
            if not (isinstance(n, ast.Call) and _call_name(n) == "get_bars"):
                continue
            now = _arg(n, None, "include_now")
            if not (isinstance(now, ast.Constant) and now.value is True):
                continue
            unit = _const_str(_arg(n, 2, "unit")) if _arg(n, 2, "unit") is not None else "1d"
            if unit is None or unit.strip().endswith("m") or unit.strip() == "minute":
                continue
            f_node = _arg(n, 3, "fields")
            fields = ["date", "open", "high", "low", "close"] if f_node is None else _str_list(f_node)
            bad = sorted(set(fields or ()) - self._KNOWN_INTRADAY)
            if not bad:
                continue
            if intraday is None:
                intraday = self._intraday_functions()
            fn = self._enclosing_function(n)
            if fn is None or fn.name not in intraday:
                continue
            self.add("future", "get_bars(include_now=True)", n.lineno, WARNING,
                     f"get_bars(..., include_now=True) of {bad} runs intraday, and the data store has no minute "
                     f"bars: today's still-forming bar is the whole day's bar (its close is the day's close, a "
                     f"look-ahead; JoinQuant gives the bar as it stands at that minute)")

    def _check_exits(self) -> None:
        """``exit()``/``quit()``/``sys.exit()``/``os._exit()``: the backtest stops there (jqlite
        turns the SystemExit of a callback or of loading into an error of the run)."""
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Name) and f.id in ("exit", "quit") and f.id not in self._assigned_names \
                    and f.id not in self.star_names:
                label = f"{f.id}()"
            elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and (
                    (f.value.id, f.attr) in (("sys", "exit"), ("os", "_exit"))) and \
                    self.module_names.get(f.value.id) is sys.modules.get(f.value.id):
                label = f"{f.value.id}.{f.attr}()"
            else:
                continue
            if self._handled(node, {"SystemExit", "BaseException"}):
                continue
            self.add("exit", label, node.lineno, BLOCKER,
                     f"{label} ends the backtest with an error where it runs (the run stops there); "
                     f"remove it or return from the function")

    def _check_classification(self, node: ast.Call, name: str) -> None:
        """An industry/concept code the store's classification does not know raises."""
        concept = name == "get_concept_stocks"
        codes = self._resolve_strs(_arg(node, 0, "concept_code" if concept else "industry_code"), node)
        if not codes:
            return
        try:
            from .api.reference import CONCEPT_SCHEME, _reference
            ref = _reference(self.store)
            scheme_of = ref.scheme_of
        except Exception:
            return       # this jqlite's classification internals differ: not checked
        for c in codes:
            sch = scheme_of.get(c)
            if sch is None or (sch == CONCEPT_SCHEME) != concept:
                kind = "concept" if concept else "industry"
                self.add("classification", c, node.lineno, BLOCKER,
                         f"{name}({c!r}): the data store's classification has no {kind} {c!r} (ParamsError)")

    def _check_read_file(self, node: ast.Call) -> None:
        """``read_file('model.pkl')``: the file must be in the run's storage folder (or the
        research folder), where the author uploaded it on JoinQuant."""
        names = self._resolve_strs(_arg(node, 0, "path"), node)
        if not names or self.storage is None:
            return
        written = set()
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Call) and _call_name(n) == "write_file":
                written.update(self._resolve_strs(_arg(n, 0, "path"), n) or ())
        from .api.research import research_storage
        folders = [Path(self.storage), research_storage()]
        handled = self._handled(node, {"IOError", "OSError", "FileNotFoundError", "Exception",
                                       "BaseException", "EnvironmentError"})
        for f in names:
            if any((d / f).is_file() for d in folders):
                continue
            if f in written or handled:
                self.add("file", f, node.lineno, WARNING,
                         f"read_file({f!r}): not in the storage folder {folders[0]} yet "
                         f"({'the file writes it first' if f in written else 'the read is inside try/except'})")
            else:
                self.add("file", f, node.lineno, BLOCKER,
                         f"read_file({f!r}): no such file in the storage folders {folders[0]} or {folders[1]} "
                         f"(on JoinQuant the author uploaded it; copy it there or pass --storage)")

    def _handled(self, node, names: set[str]) -> bool:
        """True when ``node`` lies in the body of a try whose handlers catch one of ``names``
        (or everything)."""
        child, p = node, self._parents.get(id(node))
        while p is not None:
            if isinstance(p, ast.Try) and child in p.body:
                for h in p.handlers:
                    if h.type is None:
                        return True
                    if {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(h.type)
                            if isinstance(n, (ast.Name, ast.Attribute))} & names:
                        return True
            child, p = p, self._parents.get(id(p))
        return False

    def _check_unit(self, node: ast.Call, name: str, minute: bool) -> None:
        pos, kw, count_pos = _BAR_CALLS[name]
        u = _const_str(_arg(node, pos, kw))
        if u is None:
            return
        low = u.strip()
        is_minute = low.lower() in ("minute", "1m") if name != "get_bars" else (low == "1m" or low == "minute")
        is_minute = is_minute or bool(_MINUTE_RE.match(low if name == "get_bars" else low.lower()))
        if not is_minute or minute:
            return
        if name == "get_bars":
            self.add("frequency", f"{name}({u!r})", node.lineno, BLOCKER,
                     f"get_bars(unit={u!r}) needs minute bars, which the data store does not hold (ParamsError)")
            return
        count = _arg(node, count_pos, "count") if count_pos is not None else _arg(node, None, "count")
        n = _const_int(count) if count is not None else None
        # jqlite.api.market serves count=1 from the current price: get_price with several
        # fields (or the default ones) answers 'close' for each; a single field, history's
        # field and every attribute_history field must be a price field
        if name == "get_price":
            f_node = _arg(node, 4, "fields")
            fields = ["close"] if f_node is None else _str_list(f_node)
            if fields is not None and len(fields) > 1:
                fields = ["close"]
        elif name == "history":
            f_node = _arg(node, 2, "field")
            fields = ["avg"] if f_node is None else _str_list(f_node)
        else:
            f_node = _arg(node, 3, "fields")
            fields = ["open", "close", "high", "low", "volume", "money"] if f_node is None else _str_list(f_node)
        if n == 1 and fields is not None and set(fields) <= _ONE_BAR_FIELDS:
            self.add("frequency", f"{name}({u!r}, count=1)", node.lineno, WARNING,
                     f"{name}(count=1, {u!r}): no minute bars in the store; the latest price is served from "
                     f"daily bars")
            return
        self.add("frequency", f"{name}({u!r})", node.lineno, BLOCKER,
                 f"{name}(..., {u!r}) needs minute bars, which the data store does not hold (ParamsError); "
                 f"only count=1 of a price field is served from daily bars")

    def _enclosing_function(self, node):
        p = self._parents.get(id(node))
        while p is not None and not isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef)):
            p = self._parents.get(id(p))
        return p

    def _resolve_strs(self, expr, at, depth: int = 0) -> list[str] | None:
        """String literals ``expr`` (seen at node ``at``) can hold: a literal, a list of
        literals, a name assigned such a list in the same function, or a parameter of the
        enclosing function that its callers in the file pass literals to (one level)."""
        if expr is None or depth > 4:
            return None
        direct = _str_list(expr)
        if direct is not None:
            return direct
        if isinstance(expr, (ast.List, ast.Tuple)):
            out: list[str] = []
            for e in expr.elts:
                v = self._resolve_strs(e, at, depth + 1)
                if v is None:
                    return None
                out += v
            return out
        if isinstance(expr, ast.Subscript) and not isinstance(expr.slice, ast.Slice):
            base = expr.value       # codes[i] of a literal list: one of its items
            if isinstance(base, (ast.List, ast.Tuple)) or (isinstance(base, ast.Name) and not any(
                    isinstance(n, ast.Assign) and _const_str(n.value) is not None and any(
                        isinstance(t, ast.Name) and t.id == base.id for t in n.targets)
                    for n in ast.walk(self.tree))):
                return self._resolve_strs(base, at, depth + 1)
            return None
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and \
                expr.value.id in ("g", "context"):
            # g.path = 'model.pkl' (assigned literals only, anywhere in the file)
            vals: list[str] = []
            for n in ast.walk(self.tree):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(
                    n, (ast.AugAssign, ast.AnnAssign)) else []
                for t in targets:
                    if isinstance(t, ast.Attribute) and t.attr == expr.attr and \
                            isinstance(t.value, ast.Name) and t.value.id == expr.value.id:
                        v = _str_list(n.value) if isinstance(n, ast.Assign) else None
                        if v is None:
                            return None
                        vals += v
            return vals or None
        if not isinstance(expr, ast.Name):
            return None
        # the innermost loop around ``at`` that binds the name: for code in CODES: f(code)
        child, p = at, self._parents.get(id(at))
        while p is not None and not isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if isinstance(p, ast.For) and child is not p.iter and isinstance(p.target, ast.Name) \
                    and p.target.id == expr.id:
                return self._resolve_strs(p.iter, p.iter, depth + 1)
            if type(p) in self._COMPREHENSIONS:
                for gen in p.generators:
                    if isinstance(gen.target, ast.Name) and gen.target.id == expr.id:
                        return self._resolve_strs(gen.iter, gen.iter, depth + 1)
            child, p = p, self._parents.get(id(p))
        func = self._enclosing_function(at)
        scope = func if func is not None else self.tree
        found, vals = _assigned_strs(ast.walk(scope), expr.id)
        if found:
            return vals
        if func is not None and not any(isinstance(a, ast.arg) and a.arg == expr.id for a in ast.walk(func.args)):
            found, vals = _assigned_strs(self.tree.body, expr.id)   # a module-level constant list
            if found:
                return vals
        if func is not None:
            params = [a.arg for a in func.args.args]
            if expr.id in params:
                i = params.index(expr.id)
                for n in ast.walk(self.tree):
                    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == func.name:
                        v = self._resolve_strs(_arg(n, i, expr.id), n, depth + 1)
                        if v:
                            vals += v
                            found = True
        return vals if found else None

    def _check_factors(self, node: ast.Call) -> None:
        from jqfactor import get_all_factors
        known = set(get_all_factors()["factor"])
        names = self._resolve_strs(_arg(node, 1, "factors"), node)
        sites: list[tuple[str, int]]
        if names:
            sites = [(f, node.lineno) for f in names]
        else:
            # not resolvable (g.factor_list of (names, weights) pairs, ...): the file's
            # literal lists of strings that name at least one known factor are factor lists
            sites = []
            for n in ast.walk(self.tree):
                if isinstance(n, (ast.List, ast.Tuple)) and n.elts:
                    vals = [_const_str(e) for e in n.elts]
                    if all(v is not None for v in vals) and set(vals) & known:
                        sites += [(v, e.lineno) for v, e in zip(vals, n.elts)]
        avail = self._factor_availability()
        for f, line in sites:
            if f not in known and re.fullmatch(r"801\d{3}", f):
                continue    # a Shenwan level-1 code: JoinQuant's risk-model industry factor (a 0/1 dummy)
            if f not in known:
                self.add("factor", f, line, BLOCKER,
                         f"factor {f!r} is not one of jqlite's {len(known)} jqfactor factors (get_all_factors())")
            elif avail is not None and f in avail.index and not bool(avail.loc[f, "available"]):
                self.add("factor", f, line, WARNING,
                         f"factor {f!r} needs fundamentals the store lacks ({avail.loc[f, 'missing']}): NaN values")

    def _factor_availability(self):
        if self.store is None:
            return None
        if not hasattr(self, "_avail"):
            try:
                from jqfactor import factor_availability
                self._avail = factor_availability(self.store)
            except Exception:
                self._avail = None
        return self._avail

    # ------------------------------------------------------------- securities in the store
    def check_securities(self) -> None:
        store = self.store
        index_args: set[int] = set()
        skip: set[int] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                name = _call_name(node)
                if name in _INDEX_FUNCS:
                    a = _arg(node, 0, "index_symbol" if name == "get_index_stocks" else "index_id")
                    if a is not None:
                        index_args.add(id(a))
                        if isinstance(a, ast.Name):
                            index_args |= self._literals_only_used_as(a, _INDEX_FUNCS)
                for k in node.keywords:
                    if k.arg == "reference_security":
                        skip.add(id(k.value))
        indexes = None
        self._check_built_futures_codes()
        for node in ast.walk(self.tree):
            s = _const_str(node)
            if s is None or not _SECURITY_RE.match(s) or id(node) in skip:
                continue
            if id(node) in index_args:
                if indexes is None:
                    try:
                        indexes = set(store.table("index_members")["index_code"].astype(str))
                    except Exception:
                        indexes = set()
                if s not in indexes:
                    self.add("security", s, node.lineno, WARNING,
                             f"index {s!r} has no constituents in the data store: get_index_stocks returns []")
                continue
            if s not in store.code_index:
                from .data.on_demand import classify
                if getattr(store, "synthesizes", False) and classify(s) is not None:
                    continue    # the sample market synthesises it for the run (data/on_demand)
                self.add("security", s, node.lineno, BLOCKER,
                         f"security {s!r} is not in the data store {store.path} "
                         f"(SecurityNotFoundError when it is priced, ordered or set as benchmark)")

    def _check_built_futures_codes(self) -> None:
        """``'IF' + yymm + '.CCFX'``: a futures code built at run time on an exchange the store
        holds no security of (SecurityNotFoundError when it is priced or ordered)."""
        suffixes = {c.rsplit(".", 1)[-1] for c in self.store.code_index}
        if getattr(self.store, "synthesizes", False):   # the sample market synthesises futures
            from .data.futures import FUTURES_EXCHANGES
            suffixes |= set(FUTURES_EXCHANGES)
        for node in ast.walk(self.tree):
            if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
                continue
            tail = _const_str(node.right)
            m = re.fullmatch(r"\d*\.(XSGE|XDCE|XZCE|CCFX|XINE|GFEX)", tail or "")
            if m is None or m.group(1) in suffixes:
                continue
            if isinstance(self._parents.get(id(node)), ast.BinOp):
                continue        # report the whole expression once, at its outermost '+'
            self.add("security", f"*.{m.group(1)}", node.lineno, BLOCKER,
                     f"{ast.unparse(node)[:60]}: a futures code on {m.group(1)}, and the data store "
                     f"{self.store.path} holds no security of that exchange (SecurityNotFoundError "
                     f"when it is priced or ordered)")

    def _literals_only_used_as(self, name_node: ast.Name, funcs: set[str]) -> set[int]:
        """ids of the string literals assigned to ``name_node``'s name in its function (or at
        module level) when every read of the name there is the first argument of one of
        ``funcs`` or something printed/logged: ``index = '399310.XSHE'; get_index_stocks(index)``."""
        func = self._enclosing_function(name_node)
        scope = func if func is not None else self.tree
        name = name_node.id
        literals: set[int] = set()
        for n in ast.walk(scope):
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in n.targets):
                if _const_str(n.value) is None:
                    return set()
                literals.add(id(n.value))
        for n in ast.walk(scope):
            if not (isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)):
                continue
            p = self._parents.get(id(n))
            if isinstance(p, ast.Call) and _call_name(p) in funcs and (p.args[:1] == [n] or any(
                    k.value is n for k in p.keywords)):
                continue
            logged = False
            while p is not None and not isinstance(p, ast.stmt):
                if isinstance(p, ast.Call) and ((isinstance(p.func, ast.Name) and p.func.id == "print") or (
                        isinstance(p.func, ast.Attribute) and isinstance(p.func.value, ast.Name)
                        and p.func.value.id == "log")):
                    logged = True
                    break
                p = self._parents.get(id(p))
            if not logged:
                return set()
        return literals

    # ------------------------------------------------------------- Python 2 division
    def check_division(self) -> None:
        int_names = self._int_names()

        def is_int(e) -> bool:
            if _const_int(e) is not None:
                return True
            if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id in ("len", "int") \
                    and e.func.id not in self._assigned_names:
                return True
            if isinstance(e, ast.Name) and e.id in int_names:
                return True
            if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)):
                return is_int(e.left) and is_int(e.right)
            if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
                return is_int(e.operand)
            return False

        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "old_div" \
                    and len(node.args) == 2 and is_int(node.args[0]) and is_int(node.args[1]):
                text = f"{ast.unparse(node.args[0])} / {ast.unparse(node.args[1])}"
                self.add("division", text, node.lineno, WARNING,
                         f"'{text}' divides integers: the conversion keeps Python 2's floor division "
                         f"(old_div), as JoinQuant's Python 2 computed it")
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and is_int(node.left) and is_int(node.right):
                text = ast.unparse(node)
                if self._index_context(node):
                    self.add("division", text, node.lineno, BLOCKER,
                             f"'{text}' divided integers in Python 2; it is a float in Python 3 and is used as an "
                             f"index/range() argument (TypeError); write '//'")
                else:
                    self.add("division", text, node.lineno, WARNING,
                             f"'{text}' was integer division in Python 2; in Python 3 it gives a float "
                             f"(write '//' to keep the old result)")
            elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Div) and is_int(node.target) \
                    and is_int(node.value):
                text = ast.unparse(node).strip()
                self.add("division", text, node.lineno, WARNING,
                         f"'{text}' was integer division in Python 2; in Python 3 it gives a float")

    def _index_context(self, node) -> bool:
        child, parent = node, self._parents.get(id(node))
        while parent is not None:
            if isinstance(parent, ast.Subscript) and child is parent.slice:
                return True
            if isinstance(parent, ast.Slice):
                child, parent = parent, self._parents.get(id(parent))
                continue
            if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and \
                    parent.func.id in ("range", "xrange") and child in parent.args:
                return True
            if isinstance(parent, (ast.BinOp, ast.UnaryOp)):
                child, parent = parent, self._parents.get(id(parent))
                continue
            return False
        return False

    def _int_names(self) -> set[str]:
        """Names every binding of which is an int by construction (literal, len(), int(), range)."""
        good: dict[str, bool] = {}

        def intish(e) -> bool:
            if _const_int(e) is not None:
                return True
            if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id in ("len", "int"):
                return True
            if isinstance(e, ast.Name):
                return good.get(e.id, False)
            if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)):
                return intish(e.left) and intish(e.right)
            return False

        for _ in range(3):
            seen: dict[str, bool] = {}
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Assign):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            seen[t.id] = seen.get(t.id, True) and intish(node.value)
                        else:
                            for n in ast.walk(t):
                                if isinstance(n, ast.Name):
                                    seen[n.id] = False
                elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                    seen[node.target.id] = seen.get(node.target.id, True) and \
                        not isinstance(node.op, ast.Div) and intish(node.value)
                elif isinstance(node, ast.For):
                    it = node.iter
                    ok = (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
                          and it.func.id in ("range", "xrange") and isinstance(node.target, ast.Name))
                    for n in ast.walk(node.target):
                        if isinstance(n, ast.Name):
                            seen[n.id] = seen.get(n.id, True) and ok
                elif isinstance(node, ast.arg):
                    seen[node.arg] = False
                elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    seen[node.name] = False
            good = seen
        return {k for k, v in good.items() if v}


# ==================================================================== public API
def _open_store(data):
    from .data.store import open_store
    return open_store(data)


def _syntax_error(text: str, filename: str) -> SyntaxError | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # SyntaxWarning ('is' with a literal): the run shows it
            compile(text, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return exc
    return None


def load_python3(src: str, filename: str = "<strategy>"):
    """The Python 3 code the loader would run, as :func:`jqlite.compat.source.read_strategy`
    (or, in a jqlite without it, :func:`jqlite.strategy.python2_to_3`) makes it.

    Returns
    -------
    tuple
        ``(python3_text or None, text_before_conversion, python2, notes, syntax_error or None)``;
        ``notes`` are the loader's remarks other than the Python 2 conversion (reported as
        ``python2`` findings instead).
    """
    try:
        from .compat import source as _src
    except ImportError:
        _src = None
    pre = src
    strip = getattr(_src, "strip_share_header", None)
    if callable(strip):
        pre = strip(src)[0]
    read = getattr(_src, "read_strategy", None)
    if callable(read):
        from .errors import ConfigError
        try:
            s = read(filename, source=src)
        except ConfigError:
            exc = _syntax_error(pre, filename) or SyntaxError("syntax error")
            return None, pre, False, [], exc
        notes = [n for n in s.notes if "Python 2 source converted" not in n]
        return s.text, pre, bool(s.python2), notes, None
    exc = _syntax_error(pre, filename)
    if exc is None:
        return pre, pre, False, [], None
    py3 = to_python3(pre)
    if py3 is None:
        return None, pre, False, [], exc
    return py3, pre, True, [], None


def check_source(src: str, filename: str = "<strategy>", store=None, storage=None) -> CheckReport:
    """Check the text of a strategy (see :func:`check_file`).

    Parameters
    ----------
    src : str
        Decoded source text.
    filename : str
        Shown in the report.
    store : jqlite.data.store.Store, optional
        The data store whose contents are checked; None skips the data checks.
    storage : path, optional
        The run's ``read_file`` folder (``jqlite backtest --storage``); default
        ``~/.jqlite/storage/<file stem>`` (:func:`jqlite.run.default_storage`).

    Returns
    -------
    CheckReport
    """
    report = CheckReport(file=str(filename), store=str(store.path) if store is not None else None)
    code, pre, python2, notes, error = load_python3(src, str(filename))
    for note in notes:
        report.findings.append(Finding("source", "source", None, WARNING, note))
    if error is not None:
        report.findings.append(Finding(
            "syntax", "SyntaxError", error.lineno, BLOCKER,
            f"syntax error: {error.msg}: {(error.text or '').strip()[:120]} (not valid Python 3, and the "
            f"Python 2 conversion does not fix it)", [error.lineno] if error.lineno else []))
        return report
    if python2:
        report.python2 = True
        for fixer, lines in sorted(python2_constructs(pre).items(), key=lambda kv: kv[1][0]):
            what = _FIXER_TEXT.get(fixer, fixer)
            report.findings.append(Finding(
                "python2", fixer, lines[0], WARNING,
                f"Python 2: {what} ({len(lines)} site{'s' if len(lines) > 1 else ''}; converted when the file loads)",
                lines))
    if storage is None:
        from .run import default_storage
        storage = default_storage(filename)
    checker = _Checker(code, str(filename), store=store, python2=report.python2, storage=storage)
    findings = checker.run()
    report.findings.extend(findings)
    report.findings.sort(key=lambda f: (f.line or 0, f.severity != BLOCKER, f.kind, f.name))
    return report


def check_file(path: str | Path, store=None, storage=None) -> CheckReport:
    """Compatibility report on the JoinQuant strategy file ``path``.

    Parameters
    ----------
    path : str or pathlib.Path
        The strategy file (UTF-8, GBK/GB18030; Python 3 or 2).
    store : jqlite.data.store.Store, optional
        Data store to check the file's data needs against (see :func:`check_paths`).
    storage : path, optional
        ``read_file`` folder (see :func:`check_source`).

    Returns
    -------
    CheckReport

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"strategy file {p} does not exist")
    from .errors import ConfigError
    try:
        src = read_source(p)
    except ConfigError as exc:
        return CheckReport(str(p), findings=[Finding("syntax", "encoding", None, BLOCKER, str(exc))],
                           store=str(store.path) if store is not None else None)
    return check_source(src, str(p), store=store, storage=storage)


def check_paths(paths: Iterable[str | Path], data: str | Path | None = None,
                storage: str | Path | None = None, *, workers: int | None = 0,
                scheduler: str | None = None) -> list[CheckReport]:
    """:func:`check_file` on each path against the store ``data`` (default: jqlite's default
    store; when there is none the data checks are skipped and each report says so) and the
    ``read_file`` folder ``storage`` (default: each file's own, as ``jqlite backtest``).

    Parameters
    ----------
    workers : int, optional
        ``0`` (default) checks the files here, one after another; ``None`` or ``N > 0`` checks
        them on a local Dask cluster of that many worker processes (None: CPU count), the
        executor of ``jqlite sweep`` (:mod:`jqlite.sweep.batch`).
    scheduler : str, optional
        An existing Dask scheduler (``tcp://host:8786``) whose workers see the files and the
        store at the same paths.

    Returns
    -------
    list of CheckReport
        In the order of ``paths`` whatever order the workers finished in.  A file whose check
        itself raised on a worker gets a report with one ``internal`` blocker naming the error.
    """
    from .errors import DataError
    paths = [str(p) for p in paths]
    store = None
    note = None
    try:
        store = _open_store(data)
    except DataError as exc:
        if data is not None:
            raise
        note = str(exc)
    if workers == 0 and not scheduler:
        out = [check_file(p, store=store, storage=storage) for p in paths]
    else:
        from .sweep.batch import map_unordered
        got: dict[str, CheckReport] = {}
        for p, rep, err in map_unordered(check_one, paths, workers=workers, scheduler=scheduler,
                                         data=str(store.path) if store is not None else None,
                                         storage=str(storage) if storage else None):
            if err is not None:
                rep = CheckReport(p, findings=[Finding("internal", "check", None, BLOCKER,
                                                       f"the check failed: {type(err).__name__}: {err}")])
            got[p] = rep
        out = [got[p] for p in paths]
    if note:
        for r in out:
            r.findings.insert(0, Finding("store", "store", None, WARNING,
                                         f"data checks skipped: {note}"))
    return out


def check_one(path: str, data: str | None = None, storage: str | None = None) -> CheckReport:
    """:func:`check_file` for one path, opening the store ``data`` in this process (cached per
    process by :func:`jqlite.data.store.open_store`): the job a Dask worker runs for
    :func:`check_paths`.  ``data=None`` checks without a store."""
    store = _open_store(data) if data is not None else None
    return check_file(path, store=store, storage=storage)


def format_report(report: CheckReport, verbose: bool = True) -> str:
    """Plain-text report: a summary line, then one line per finding (``line severity kind
    name: message``)."""
    b, w = len(report.blockers), len(report.warnings)
    head = f"{report.file}: {'OK' if report.ok else 'BLOCKED'} - {b} blocker{'s' * (b != 1)}, {w} warning{'s' * (w != 1)}"
    if report.python2:
        head += " (Python 2, converted)"
    lines = [head]
    if verbose:
        for f in report.findings:
            where = f"L{f.line}" if f.line else "-"
            more = f" (+{len(f.lines) - 1} more)" if len(f.lines) > 1 and f.kind != "python2" else ""
            lines.append(f"  {where:>6}  {f.severity:<7}  {f.kind:<12} {f.message}{more}")
    return "\n".join(lines)


def reports_json(reports: list[CheckReport]) -> str:
    """``--json`` output: ``{"ok": bool, "files": [CheckReport.to_dict(), ...]}``."""
    return json.dumps({"ok": all(r.ok for r in reports), "files": [r.to_dict() for r in reports]},
                      ensure_ascii=False, indent=1)


# ==================================================================== agreement with real runs
#: run classes (benchmarks/compat/classify.py) that mean "the run finished without error"
PASS_CLASSES = frozenset({"pass-and-trades", "pass-no-orders"})
#: classes that say nothing about compatibility (left out of the agreement)
UNDECIDED_CLASSES = frozenset({"timeout"})
_LOG_LINE = re.compile(r"^\[\d+/\d+\]\s+(\S+)\s+(\S+)")


def read_results(path: str | Path) -> dict[str, str]:
    """Outcome class of each corpus run: file id (the strategy file's stem) -> class.

    Reads what ``benchmarks/compat/run.py`` writes: its results ``.json`` (list of rows with
    ``id`` and ``cls``), ``.tsv`` (same columns) or its progress log (``[i/n] ID CLASS ...``).
    Rows without a class but with ``ok``/``returncode`` are mapped to ``pass-and-trades`` /
    ``error``.
    """
    p = Path(path)
    text = p.read_text(encoding="utf-8", errors="replace")
    rows: list[dict] = []
    if p.suffix == ".json":
        data = json.loads(text)
        rows = data if isinstance(data, list) else data.get("rows", data.get("results", []))
    elif p.suffix in (".tsv", ".csv"):
        import csv
        rows = list(csv.DictReader(io.StringIO(text), delimiter="\t" if p.suffix == ".tsv" else ","))
    else:
        for line in text.splitlines():
            m = _LOG_LINE.match(line.strip())
            if m:
                rows.append({"id": m.group(1), "cls": m.group(2)})
    out: dict[str, str] = {}
    for r in rows:
        rid = str(r.get("id") or Path(str(r.get("file", ""))).stem)
        cls = r.get("cls")
        if not cls:
            ok = r.get("ok")
            if ok is None and r.get("returncode") not in (None, ""):
                ok = str(r.get("returncode")) == "0"
            cls = "pass-and-trades" if str(ok).lower() in ("true", "1") else "error"
        out[rid] = str(cls)
    return out


def agreement(reports: list[CheckReport], results: str | Path | dict[str, str]) -> dict[str, Any]:
    """How often ``jqlite check``'s verdict agrees with the real run of the same file.

    Agreement on a file: the check finds no blocker exactly when the run finished without
    error (class in :data:`PASS_CLASSES`).  Files without a result, or whose run timed out,
    are left out.

    Returns
    -------
    dict
        ``n`` (files compared), ``agree``, ``rate`` (agree / n, 0..1), ``false_blockers``
        (ids: the check blocked, the run passed), ``missed`` (ids: the check passed, the run
        failed: id -> run class), ``left_out`` (count).
    """
    res = read_results(results) if not isinstance(results, dict) else results
    n = agree = left = 0
    false_blockers: list[str] = []
    missed: dict[str, str] = {}
    for r in reports:
        rid = Path(r.file).stem
        cls = res.get(rid)
        if cls is None or cls in UNDECIDED_CLASSES:
            left += 1
            continue
        n += 1
        passed = cls in PASS_CLASSES
        if passed == r.ok:
            agree += 1
        elif passed:
            false_blockers.append(rid)
        else:
            missed[rid] = cls
    return {"n": n, "agree": agree, "rate": agree / n if n else float("nan"),
            "false_blockers": false_blockers, "missed": missed, "left_out": left}


def format_agreement(a: dict[str, Any]) -> str:
    """One paragraph: the agreement figure and the disagreeing file ids."""
    lines = [f"agreement with the real runs: {a['agree']}/{a['n']} files = {100 * a['rate']:.1f} % "
             f"({a['left_out']} left out: no result or timeout)"]
    if a["false_blockers"]:
        lines.append(f"  check blocked, run passed ({len(a['false_blockers'])}): {' '.join(a['false_blockers'])}")
    if a["missed"]:
        lines.append(f"  check passed, run failed ({len(a['missed'])}): "
                     + " ".join(f"{k}[{v}]" for k, v in a["missed"].items()))
    return "\n".join(lines)
