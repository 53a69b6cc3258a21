"""Formula engine behind ``jqlib.alpha101`` / ``jqlib.alpha191``.

A formula (the text published in the papers, e.g.
``(-1 * correlation(rank(open), rank(volume), 10))``) is parsed once into a small tree and
evaluated on a daily panel: every variable is a ``(days x securities)`` float array, oldest
day first, so that all operators are vectorised (numpy / pandas rolling windows).  The value
of an alpha is the last row.

Grammar (both papers): numbers, names (``close``, ``IndClass.industry``), calls
``f(a, b, ...)``, unary ``-``, binary ``^`` (power, right-assoc), ``* /``, ``+ -``,
comparisons ``< <= > >= == = !=`` (``=`` is equality in the 191 report), logical
``&& & AND`` / ``|| | OR or`` and the ternary ``c ? a : b``.  Names are case-insensitive.
Booleans are 1.0 / 0.0 in arithmetic.

Operators (Kakushadze 2016, "101 Formulaic Alphas", appendix A.1; 国泰君安 2017 "基于短周期
价量特征的多因子选股体系" function table), ``d`` floored to an integer where fractional:

* cross-sectional: ``rank`` (percentile rank, NaN excluded, ties averaged), ``scale(x, a=1)``
  (``x * a / sum|x|``), ``IndNeutralize(x, IndClass.g)`` (x minus its group mean);
* time series over the last ``d`` days (NaN until ``d`` values exist): ``delay``, ``delta``,
  ``sum``, ``product``, ``stddev`` / ``STD`` (sample, ddof=1), ``correlation``/``CORR``,
  ``covariance``/``COVIANCE`` (ddof=1), ``ts_min``, ``ts_max``, ``ts_argmin``, ``ts_argmax``
  (1-based day of the extreme, oldest = 1), ``ts_rank`` (percentile rank of today's value
  within the window), ``decay_linear`` / ``DECAYLINEAR`` (weights d, d-1, ..., 1 with today
  = d, normalised), ``WMA`` (weights 0.9^i, today i=0, normalised), ``SMA(x, n, m)``
  (``Y = (m*x + (n-m)*Y') / n`` seeded with the first value), ``MEAN``, ``COUNT(cond, n)``,
  ``SUMIF(x, n, cond)``, ``HIGHDAY`` / ``LOWDAY`` (days since the window's max / min,
  today = 0), ``REGBETA(y, x, n)`` / ``REGRESI`` (rolling OLS slope / last residual;
  ``x`` may be ``SEQUENCE(n)``), ``FILTER(x, cond)`` (x where cond else NaN);
* element-wise: ``abs log sign SignedPower``, ``min(a, b)`` / ``max(a, b)`` (with an integer
  literal >= 2 as second argument they are ``ts_min`` / ``ts_max``, as both papers write).
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

# ---------------------------------------------------------------------------- parser
_TOKEN = re.compile(r"\s*(?:(\d+\.\d*|\.\d+|\d+)|([A-Za-z_][A-Za-z_0-9.]*)|(&&|\|\||<=|>=|==|!=|<>|[-+*/^()<>=?:,&|]))")


def _tokenize(s: str) -> list[tuple[str, str]]:
    out, pos, s = [], 0, s.strip().rstrip(";")
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m or m.end() == pos:
            if s[pos:].strip() == "":
                break
            raise SyntaxError(f"alpha formula: unexpected text at {pos}: {s[pos:pos + 20]!r}")
        num, name, op = m.groups()
        if num is not None:
            out.append(("num", num))
        elif name is not None:
            up = name.upper()
            if up in ("AND",):
                out.append(("op", "&"))
            elif up in ("OR",):
                out.append(("op", "|"))
            else:
                out.append(("name", name))
        else:
            out.append(("op", {"&&": "&", "||": "|", "==": "=", "<>": "!="}.get(op, op)))
        pos = m.end()
    return out


_BIN = {"?": 1, "|": 2, "&": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "=": 4, "!=": 4,
        "+": 5, "-": 5, "*": 6, "/": 6, "^": 8}


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokenize(text)
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self, val=None):
        t = self.peek()
        if val is not None and t[1] != val:
            raise SyntaxError(f"alpha formula: expected {val!r}, got {t[1]!r}")
        self.i += 1
        return t

    def parse(self):
        e = self.expr(0)
        if self.peek()[0] != "end":
            raise SyntaxError(f"alpha formula: trailing {self.peek()[1]!r}")
        return e

    def expr(self, rbp):
        left = self.prefix()
        while True:
            kind, op = self.peek()
            if kind != "op" or op not in _BIN or _BIN[op] <= rbp:
                return left
            self.take()
            if op == "?":
                a = self.expr(0)
                self.take(":")
                b = self.expr(_BIN["?"] - 1)
                left = ("if", left, a, b)
            elif op == "^":
                left = ("bin", "^", left, self.expr(_BIN["^"] - 1))
            else:
                left = ("bin", op, left, self.expr(_BIN[op]))

    def prefix(self):
        kind, val = self.take()
        if kind == "num":
            return ("num", float(val))
        if kind == "op" and val == "-":
            return ("neg", self.expr(7))
        if kind == "op" and val == "+":
            return self.expr(7)
        if kind == "op" and val == "(":
            e = self.expr(0)
            self.take(")")
            return e
        if kind == "name":
            if self.peek() == ("op", "("):
                self.take("(")
                args = []
                if self.peek() != ("op", ")"):
                    args.append(self.expr(0))
                    while self.peek() == ("op", ","):
                        self.take(",")
                        args.append(self.expr(0))
                self.take(")")
                return ("call", val.lower(), args)
            return ("var", val.lower())
        raise SyntaxError(f"alpha formula: unexpected {val!r}")


def parse(text: str):
    """Parse a formula into a tree (``SyntaxError`` on malformed text)."""
    return _Parser(text).parse()


# ---------------------------------------------------------------------------- operators
def _df(x):
    return pd.DataFrame(x)


def _win(d) -> int:
    return max(int(np.floor(float(d))), 1)


def _roll(x, d):
    return _df(x).rolling(_win(d), min_periods=_win(d))


def _delay(x, d):
    d = _win(d) if float(d) >= 1 else 0
    out = np.full_like(x, np.nan)
    if d == 0:
        return x.copy()
    if d < x.shape[0]:
        out[d:] = x[:-d]
    return out


def _rank(x):
    return _df(x).rank(axis=1, pct=True).to_numpy()


def _scale(x, a=1.0):
    s = np.nansum(np.abs(x), axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return x * a / np.where(s == 0, np.nan, s)


def _windows(x, d):
    d = _win(d)
    t = x.shape[0]
    if t < d:
        return d, None
    return d, sliding_window_view(x, d, axis=0)  # (t-d+1, n, d)


def _pad(d, x, body):
    out = np.full(x.shape, np.nan)
    if body is not None:
        out[d - 1:] = body
    return out


def _ts_rank(x, d):
    d, w = _windows(x, d)
    if w is None:
        return _pad(d, x, None)
    last = w[..., -1:]
    with np.errstate(invalid="ignore"):
        less = (w < last).sum(-1)
        eq = (w == last).sum(-1)
    r = (less + (eq + 1) / 2.0) / d
    r = np.where(np.isnan(w).any(-1), np.nan, r)
    return _pad(d, x, r)


def _ts_arg(x, d, fn):
    d, w = _windows(x, d)
    if w is None:
        return _pad(d, x, None)
    bad = np.isnan(w).any(-1)
    ww = np.where(np.isnan(w), -np.inf if fn is np.argmax else np.inf, w)
    r = fn(ww, axis=-1).astype(float) + 1.0
    return _pad(d, x, np.where(bad, np.nan, r))


def _highday(x, d, fn):  # days since the window's extreme (today = 0)
    a = _ts_arg(x, d, fn)
    return _win(d) - a


def _decay_linear(x, d):
    d, w = _windows(x, d)
    if w is None:
        return _pad(d, x, None)
    k = np.arange(1, d + 1, dtype=float)
    return _pad(d, x, (w * k).sum(-1) / k.sum())


def _wma(x, d):
    d, w = _windows(x, d)
    if w is None:
        return _pad(d, x, None)
    k = 0.9 ** np.arange(d - 1, -1, -1, dtype=float)
    return _pad(d, x, (w * k).sum(-1) / k.sum())


def _sma(x, n, m):
    alpha = float(m) / float(n)
    y = np.full_like(x, np.nan)
    prev = np.full(x.shape[1], np.nan)
    for t in range(x.shape[0]):
        xt = x[t]
        cur = np.where(np.isnan(prev), xt, alpha * xt + (1 - alpha) * prev)
        cur = np.where(np.isnan(xt), prev, cur)
        y[t] = cur
        prev = cur
    return y


def _product(x, d):
    d, w = _windows(x, d)
    return _pad(d, x, None if w is None else w.prod(-1))


def _corr(x, y, d):
    with np.errstate(all="ignore"):
        r = _roll(x, d).corr(_df(y)).to_numpy()
    return np.where(np.isfinite(r), r, np.nan)


def _cov(x, y, d):
    return _roll(x, d).cov(_df(y)).to_numpy()


def _regbeta(y, x, d, resid=False):
    d = _win(d)
    if np.ndim(x) == 1:  # SEQUENCE(n): regressor 1..n in every window, for every security
        x = np.broadcast_to(_seq_col(y.shape[0], d), y.shape)
    # FILTER leaves NaN where a sample is dropped: the regression uses the pairs present
    # in the window (at least 2); with complete data this is the plain d-day OLS
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = np.where(ok, x, np.nan), np.where(ok, y, np.nan)

    def m(a):
        return _df(a).rolling(d, min_periods=2).mean().to_numpy()
    mx, my = m(x), m(y)
    cxy = m(x * y) - mx * my
    vx = m(x * x) - mx * mx
    with np.errstate(all="ignore"):
        b = cxy / np.where(vx == 0, np.nan, vx)
    if not resid:
        return b
    a = my - b * mx
    return y - (a + b * x)


def _seq_col(t, d):
    """A column whose last ``d`` rows of every window are 1..d: the time index itself
    (a rolling OLS on t is the same as on 1..d)."""
    return np.arange(t, dtype=float)[:, None]


def _ind_neutralize(x, groups):
    if groups is None:
        return x - np.nanmean(x, axis=1, keepdims=True)
    df = _df(x)
    g = pd.Series(groups)
    means = df.T.groupby(g.to_numpy()).transform("mean").T
    return (df - means).to_numpy()


def _minmax(fn_elem, fn_ts):
    def f(ctx, a, b):
        if isinstance(b, float) and b >= 2 and float(b).is_integer() and not isinstance(a, float):
            return fn_ts(a, b)
        return fn_elem(a, b)
    return f


def _ts_min(x, d):
    return _roll(x, d).min().to_numpy()


def _ts_max(x, d):
    return _roll(x, d).max().to_numpy()


def _sum(x, d):
    return _roll(x, d).sum().to_numpy()


def _mean(x, d):
    return _roll(x, d).mean().to_numpy()


def _std(x, d):
    return _roll(x, d).std(ddof=1).to_numpy()


FUNCS: dict[str, Callable] = {
    "rank": lambda c, x: _rank(x),
    "scale": lambda c, x, a=1.0: _scale(x, a),
    "delay": lambda c, x, d=1: _delay(x, d),
    "delta": lambda c, x, d=1: x - _delay(x, d),
    "delat": lambda c, x, d=1: x - _delay(x, d),
    "sum": lambda c, x, d: _sum(x, d),
    "product": lambda c, x, d: _product(x, d),
    "prod": lambda c, x, d: _product(x, d),
    "stddev": lambda c, x, d: _std(x, d),
    "std": lambda c, x, d: _std(x, d),
    "correlation": lambda c, x, y, d: _corr(x, y, d),
    "corr": lambda c, x, y, d: _corr(x, y, d),
    "covariance": lambda c, x, y, d: _cov(x, y, d),
    "coviance": lambda c, x, y, d: _cov(x, y, d),
    "ts_min": lambda c, x, d: _ts_min(x, d),
    "ts_max": lambda c, x, d: _ts_max(x, d),
    "tsmin": lambda c, x, d: _ts_min(x, d),
    "tsmax": lambda c, x, d: _ts_max(x, d),
    "ts_argmax": lambda c, x, d: _ts_arg(x, d, np.argmax),
    "ts_argmin": lambda c, x, d: _ts_arg(x, d, np.argmin),
    "ts_rank": lambda c, x, d: _ts_rank(x, d),
    "tsrank": lambda c, x, d: _ts_rank(x, d),
    "decay_linear": lambda c, x, d: _decay_linear(x, d),
    "decaylinear": lambda c, x, d: _decay_linear(x, d),
    "wma": lambda c, x, d: _wma(x, d),
    "sma": lambda c, x, n, m: _sma(x, n, m),
    "mean": lambda c, x, d: _mean(x, d),
    "ma": lambda c, x, d: _mean(x, d),
    "count": lambda c, cond, d: _sum(np.where(np.isnan(cond), np.nan, cond != 0).astype(float), d),
    "sumif": lambda c, x, d, cond: _sum(np.where(cond != 0, x, 0.0), d),
    "highday": lambda c, x, d: _highday(x, d, np.argmax),
    "lowday": lambda c, x, d: _highday(x, d, np.argmin),
    "regbeta": lambda c, y, x, d=None: _regbeta(y, x, d if d is not None else len(x)),
    "regresi": lambda c, y, x, d=None: _regbeta(y, x, d if d is not None else len(x), resid=True),
    "sequence": lambda c, n: np.arange(1, _win(n) + 1, dtype=float),
    "filter": lambda c, x, cond: np.where(cond != 0, x, np.nan),
    "abs": lambda c, x: np.abs(x),
    "log": lambda c, x: np.log(np.where(np.asarray(x) > 0, x, np.nan)),
    "sign": lambda c, x: np.sign(x),
    "signedpower": lambda c, x, a: np.sign(x) * np.abs(x) ** a,
    "min": _minmax(np.fmin, _ts_min),
    "max": _minmax(np.fmax, _ts_max),
    "indneutralize": lambda c, x, g: _ind_neutralize(x, g),
}


class Unsupported(Exception):
    """A formula needs data jqlite does not have (the alpha raises NotImplementedError)."""


def evaluate(tree, ctx: dict, funcs: dict | None = None):
    """Evaluate a parsed formula; ``ctx`` maps lower-case names to arrays / scalars /
    callables ``ctx[name](ctx)`` computed on demand (cached); ``funcs`` replaces the
    operator table (the 通达信 engine of ``jqlib.technical_analysis`` uses its own)."""
    funcs = FUNCS if funcs is None else funcs
    kind = tree[0]
    if kind == "num":
        return tree[1]
    if kind == "var":
        name = tree[1]
        if name not in ctx:
            raise Unsupported(f"unknown variable {name!r}")
        v = ctx[name]
        if callable(v):
            v = v(ctx)
            ctx[name] = v
        return v
    if kind == "neg":
        return -evaluate(tree[1], ctx, funcs)
    if kind == "if":
        c = evaluate(tree[1], ctx, funcs)
        a, b = evaluate(tree[2], ctx, funcs), evaluate(tree[3], ctx, funcs)
        out = np.where(np.asarray(c) != 0, a, b).astype(float)
        if isinstance(c, np.ndarray):
            out = np.where(np.isnan(c), np.nan, out)
        return out
    if kind == "bin":
        op, a, b = tree[1], evaluate(tree[2], ctx, funcs), evaluate(tree[3], ctx, funcs)
        with np.errstate(all="ignore"):
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                r = np.divide(a, b)
                return np.where(np.isfinite(r), r, np.nan) if isinstance(r, np.ndarray) else r
            if op == "^":
                r = np.power(a, b)
                return np.where(np.isfinite(r), r, np.nan) if isinstance(r, np.ndarray) else r
            nan = np.isnan(a) | np.isnan(b) if (isinstance(a, np.ndarray) or isinstance(b, np.ndarray)) else False
            if op == "<":
                r = np.less(a, b)
            elif op == ">":
                r = np.greater(a, b)
            elif op == "<=":
                r = np.less_equal(a, b)
            elif op == ">=":
                r = np.greater_equal(a, b)
            elif op == "=":
                r = np.equal(a, b)
            elif op == "!=":
                r = np.not_equal(a, b)
            elif op == "&":
                r = (np.asarray(a) != 0) & (np.asarray(b) != 0)
            elif op == "|":
                r = (np.asarray(a) != 0) | (np.asarray(b) != 0)
            else:  # pragma: no cover
                raise Unsupported(op)
            r = np.asarray(r, dtype=float)
            return np.where(nan, np.nan, r) if op not in ("&", "|") else r
    if kind == "call":
        name, args = tree[1], tree[2]
        if name == "indneutralize":
            x = evaluate(args[0], ctx, funcs)
            level = args[1][1] if args[1][0] == "var" else "indclass.industry"
            return _ind_neutralize(x, ctx["__groups__"](ctx, level.split(".")[-1]))
        if name not in funcs:
            raise Unsupported(f"unknown function {name!r}")
        vals = [evaluate(a, ctx, funcs) for a in args]
        vals = [float(v) if isinstance(v, (int, float, np.floating)) else v for v in vals]
        return funcs[name](ctx, *vals)
    raise Unsupported(str(kind))  # pragma: no cover


# ---------------------------------------------------------------------------- data
_FIELDS = ("open", "close", "high", "low", "volume", "money")
_GROUP_SCHEME = {"sector": "sw_l1", "industry": "sw_l2", "subindustry": "sw_l3"}


def load_panel(codes: list[str], end_date, count: int, fq="pre") -> dict:
    """Daily bars of ``codes`` over the ``count`` trading days ending at ``end_date``
    (inclusive) as ``(days x securities)`` arrays, plus the derived variables both papers
    use.  Suspended days are kept with ``get_price``'s fill (previous close, volume 0)."""
    from jqdata import get_price

    px = get_price(codes, end_date=end_date, count=int(count), fields=list(_FIELDS), fq=fq,
                   panel=False, skip_paused=False)
    ctx: dict = {}
    if px.empty:
        idx = pd.DatetimeIndex([])
        wide = {f: pd.DataFrame(index=idx, columns=codes, dtype=float) for f in _FIELDS}
    else:
        wide = {f: px.pivot(index="time", columns="code", values=f).reindex(columns=codes).astype(float)
                for f in _FIELDS}
    ctx["__index__"] = wide["close"].index
    for f in _FIELDS:
        ctx[f] = wide[f].to_numpy(float)
    with np.errstate(all="ignore"):
        vol = ctx["volume"]
        # a suspended day (volume 0) has no traded price: vwap = the filled close
        ctx["vwap"] = np.where(vol > 0, ctx["money"] / np.where(vol > 0, vol, np.nan), ctx["close"])
        prev = _delay(ctx["close"], 1)
        ctx["returns"] = ctx["close"] / prev - 1
    ctx["amount"] = ctx["money"]
    ctx["__codes__"] = codes
    ctx["__end__"] = end_date
    return ctx


def industry_groups(ctx, level: str):
    """Group label per security for ``IndNeutralize`` (Shenwan L1/L2/L3 for sector /
    industry / subindustry via ``get_industry``); ``None`` (market-wide demeaning) when the
    store has no classification."""
    key = f"__groups_{level}__"
    if key not in ctx:
        from jqdata import get_industry
        scheme = _GROUP_SCHEME.get(level, "sw_l1")
        info = get_industry(ctx["__codes__"], date=ctx["__end__"])
        labels = []
        for c in ctx["__codes__"]:
            e = info.get(c) or {}
            v = e.get(scheme) or e.get("sw_l1") or e.get("jq_l1") or {}
            labels.append(v.get("industry_code") or "__none__")
        ctx[key] = None if all(x == "__none__" for x in labels) else labels
    return ctx[key]


def universe(index, date) -> list[str]:
    """``'all'`` -> every stock listed on ``date``; an index code -> its members on ``date``;
    a list -> itself."""
    if index is None or (isinstance(index, str) and index.lower() == "all"):
        from jqdata import get_all_securities
        return list(get_all_securities(["stock"], date=date).index)
    if isinstance(index, str):
        from jqdata import get_index_stocks, get_security_info
        info = get_security_info(index)
        if info is not None and info.type == "index":
            return list(get_index_stocks(index, date=date))
        return [index]
    return list(dict.fromkeys(index))


def compute(name: str, formula: str, tree, codes: list[str], end_date, count: int, fq="pre",
            extra: dict | None = None) -> pd.Series:
    """Value of one alpha on ``end_date`` for ``codes`` (Series indexed by security)."""
    if not codes:
        return pd.Series(dtype=float, name=name)
    try:
        tree = tree() if callable(tree) else tree
    except SyntaxError as e:
        raise NotImplementedError(f"{name}: formula cannot be parsed ({e}): {formula!r}") from None
    ctx = load_panel(codes, end_date, count, fq)
    ctx["__groups__"] = industry_groups
    if extra:
        ctx.update(extra)
    try:
        v = evaluate(tree, ctx)
    except Unsupported as e:
        raise NotImplementedError(f"{name}: {e} (formula {formula!r})") from None
    v = np.asarray(v, dtype=float)
    if v.ndim == 0:
        v = np.full((max(len(ctx["__index__"]), 1), len(codes)), float(v))
    if v.shape[0] == 0:
        return pd.Series(np.nan, index=codes, name=name, dtype=float)
    return pd.Series(v[-1], index=codes, name=name, dtype=float)
