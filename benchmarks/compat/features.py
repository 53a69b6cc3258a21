"""Guess a JoinQuant strategy file's kind from its source (for the compatibility corpus manifest).

These are heuristics on the text of the file, used to describe the corpus (the
``frequency``, ``asset``, ``python`` and ``ml`` columns of ``manifest.tsv``) and to break the
results down.  One of them, :func:`guess_run_frequency`, also picks the backtest frequency a
file is run at by ``run.py --frequency auto`` (JoinQuant's frequency is chosen in its UI, not
in the file, so the runner infers it the way a user reading the file would).
"""

from __future__ import annotations

import re
import warnings

__all__ = ["decode_source", "guess_frequency", "guess_run_frequency", "guess_asset", "guess_python", "guess_ml",
           "describe"]

_MINUTE = re.compile(r"""['"](?:\d+m|minute|1min|\d+min)['"]""")
_TICK = re.compile(r"""def\s+handle_tick\s*\(|['"]tick['"]""")
_EVERY_BAR = re.compile(r"""every_bar""")
_HANDLE_DATA = re.compile(r"""def\s+handle_data\s*\(""")
_ETF = re.compile(r"""\b(?:(?:51|56|58|50)\d{4}\.XSHG|(?:15|16)\d{4}\.XSHE)\b""")
_INDEX = re.compile(r"""\b(?:000\d{3}\.XSHG|399\d{3}\.XSHE)\b""")
_STOCK_HINTS = re.compile(
    r"""get_fundamentals|get_index_stocks|get_industry_stocks|get_all_securities\(\s*\[?\s*['"]stock"""
    r"""|\b(?:(?:60|68)\d{4}\.XSHG|(?:00[0-3]|30\d)\d{3}\.XSHE)\b|valuation\.|get_valuation""")
_FUTURE = re.compile(r"""\.(?:CCFX|XSGE|XDCE|XZCE|XINE|GFEX)\b|get_dominant_future|get_future_contracts"""
                     r"""|type\s*=\s*['"](?:futures|index_futures)['"]""")
#: a callback JoinQuant calls once per bar: once a day at day frequency, every minute at minute
_PER_BAR = re.compile(r"""def\s+handle_data\s*\(|['"]every_bar['"]""")
#: the time of day read to decide something (compared, or kept to compare later): an hour /
#: minute attribute of the current time, ``current_dt.time()`` (or its ``str()``, compared with
#: ``'14:30:00'``) in a comparison, or an ``'%H...'`` strftime of it -- ``str(context.current_dt.time())`` in a log line does not count
_TIME_OF_DAY = re.compile(
    r"""(?:current_dt|\bnow)\s*\.\s*(?:hour|minute)\b"""
    r"""|current_dt\s*\.\s*time\s*\(\s*\)\s*(?:[<>=!]=?)"""
    r"""|(?:[<>=!]=?)\s*(?:context\.)?current_dt\s*\.\s*time\s*\(\s*\)"""
    r"""|current_dt\s*\.\s*strftime\s*\(\s*['"][^'"]*%[HM]"""
    r"""|str\s*\(\s*(?:context\.)?current_dt\s*\.\s*time\s*\(\s*\)\s*\)\s*(?:[<>=!]=?)""")
#: minute bars asked for: a minute unit / frequency argument of a data call
_MINUTE_DATA = re.compile(r"""(?:unit|frequency)\s*=\s*['"](?:\d+m|minute|1min)['"]"""
                          r"""|\b(?:history|attribute_history|get_bars|get_price)\s*\([^)]*['"]\d+m['"]""")
_COMMENT = re.compile(r"""^\s*#.*$""", re.M)
_ML = re.compile(r"""^\s*(?:from|import)\s+(?:sklearn|xgboost|lightgbm|torch|keras|tensorflow|catboost)\b""",
                 re.M)


def decode_source(data: bytes) -> str:
    """Decode a strategy file's bytes: UTF-8 (with or without BOM), else GB18030 (a GBK superset).

    Parameters
    ----------
    data : bytes
        The raw file content.

    Returns
    -------
    str
        The text; undecodable bytes (rare) are replaced with U+FFFD.
    """
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def guess_frequency(src: str) -> str:
    """``'tick'``, ``'minute'`` or ``'daily'`` from the data units and schedule the source uses.

    ``tick``: a ``handle_tick`` callback or a ``'tick'`` unit. ``minute``: any minute unit
    (``'1m'``, ``'5m'``, ``'minute'``) in a data call or an ``every_bar`` schedule. Else ``daily``.
    """
    if _TICK.search(src):
        return "tick"
    if _MINUTE.search(src) or _EVERY_BAR.search(src):
        return "minute"
    return "daily"


def guess_run_frequency(src: str) -> str:
    """The backtest frequency a JoinQuant user would pick for this file: ``'minute'`` or ``'day'``.

    JoinQuant sets the frequency in the backtest form, not in the file.  At day frequency a
    per-bar callback (``handle_data``, a ``run_daily(f, 'every_bar')`` task) runs once, at
    09:30, while ``run_daily(f, '14:50')`` tasks still run at their time (spec
    jq_trading_semantics §4: day frequency honours HH:MM tasks), so a fixed time of day alone
    does not need minute frequency.  A file needs it when it has a per-bar callback **and**
    reads the time of day (``current_dt.hour`` / ``.minute``, ``current_dt.time()`` compared,
    a ``'%H:%M'`` strftime of it) or minute bars (``unit='1m'``, ``frequency='minute'``,
    ``history(n, '5m', ...)``): logic that waits for 14:55 inside ``handle_data``, or follows
    the day minute by minute, never fires at day frequency.  Commented-out lines are ignored.
    Tick files (``handle_tick``) answer ``'day'`` (jqlite has no tick frequency).

    Parameters
    ----------
    src : str
        The strategy's source text.

    Returns
    -------
    str
        ``'minute'`` or ``'day'`` (the values of ``jqlite backtest --frequency``).
    """
    code = _COMMENT.sub("", src)
    if re.search(r"def\s+handle_tick\s*\(", code) or not _PER_BAR.search(code):
        return "day"
    if _TIME_OF_DAY.search(code) or _MINUTE_DATA.search(code):
        return "minute"
    return "day"


def guess_asset(src: str) -> str:
    """``'future'``, ``'etf'``, ``'stock'``, ``'index'`` or ``'mixed'`` from the codes and calls used."""
    fut = bool(_FUTURE.search(src))
    etf = bool(_ETF.search(src))
    stock = bool(_STOCK_HINTS.search(src))
    kinds = [k for k, v in (("future", fut), ("etf", etf), ("stock", stock)) if v]
    if len(kinds) > 1:
        return "mixed"
    if kinds:
        return kinds[0]
    if _INDEX.search(src):
        return "index"
    return "stock"


def guess_python(src: str) -> str:
    """``'3'`` when the source compiles as Python 3, else ``'2'`` (print statements etc.)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(src, "<strategy>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return "2"
    return "3"


def guess_ml(src: str) -> str:
    """``'yes'`` when it imports an ML library (scikit-learn, XGBoost, LightGBM, torch, Keras, TF, CatBoost)."""
    return "yes" if _ML.search(src) else "no"


def describe(data: bytes) -> dict[str, str]:
    """All four guesses for one file's raw bytes: keys frequency, asset, python, ml."""
    src = decode_source(data)
    return {"frequency": guess_frequency(src), "asset": guess_asset(src),
            "python": guess_python(src), "ml": guess_ml(src)}
