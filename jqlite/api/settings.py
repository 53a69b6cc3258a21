"""Strategy settings and small hooks: set_benchmark, set_option, set_order_cost, set_slippage,
set_universe, record, send_message, log/g proxies (spec §5-6)."""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import ParamsError
from ..execution.costs import OrderCost, PerTrade, Slippage
from ._binding import current_run, run_or_none

_MARGIN_OPTIONS = ("margincash_interest_rate", "margincash_margin_rate", "marginsec_interest_rate",
                   "marginsec_margin_rate")
_KNOWN_OPTIONS = {*_MARGIN_OPTIONS, "futures_margin_rate", "use_real_price", "order_volume_ratio", "avoid_future_data", "match_by_signal",
                  "t0_mode", "always_match_market_order", "match_with_order_book"}


def set_benchmark(security) -> None:
    """Set the benchmark: a code, or a dict {code: weight} (weights summing to <= 1; the rest is
    idle cash; ``{'000001.XSHG': 0}`` hides it).  Default ``'000300.XSHG'`` (spec §6.1)."""
    run = current_run("set_benchmark")
    if isinstance(security, dict):
        if sum(security.values()) > 1 + 1e-9:
            raise ParamsError(f"set_benchmark(): weights must sum to <= 1, were {sum(security.values())}")
    elif not isinstance(security, str):
        raise ParamsError(f"set_benchmark(): security must be a code or a dict, was {security!r}")
    else:
        run.store.col(security)
    run.settings.benchmark = security


def set_option(name: str, value: Any) -> None:
    """JoinQuant options: ``use_real_price`` (bool, default False), ``order_volume_ratio``
    (fraction of the day's volume, default 1.0), ``avoid_future_data`` (bool),
    ``futures_margin_rate``, the margin-trading rates ``margincash_interest_rate`` /
    ``marginsec_interest_rate`` (annual fractions, default 0.08 / 0.10) and
    ``margincash_margin_rate`` / ``marginsec_margin_rate`` (保证金比率, default 1.0; docs/margin.md),
    ... Unknown options warn and are ignored.

    Raises
    ------
    ParamsError
        A value out of range (``order_volume_ratio`` / ``futures_margin_rate`` outside (0, 1],
        a negative interest rate, a margin ratio <= 0, a non-number) or ``use_real_price``
        outside ``initialize``."""
    run = current_run("set_option")
    if name not in _KNOWN_OPTIONS:
        run.log.system_warning(f"set_option(): unknown option {name!r} ignored")
        warnings.warn(f"set_option(): unknown option {name!r} ignored", stacklevel=2)
        return
    if name == "order_volume_ratio":
        v = float(value)
        if not (0 < v <= 1):
            raise ParamsError(f"set_option('order_volume_ratio'): must be in (0, 1], was {value}")
        run.settings.order_volume_ratio = v
    elif name == "futures_margin_rate":
        v = float(value)
        if not (0 < v <= 1):
            raise ParamsError(f"set_option('futures_margin_rate'): must be in (0, 1], was {value}")
        run.settings.futures_margin_rate = v
        if run.futures is not None:
            run.futures.margin_rate = v
    elif name in _MARGIN_OPTIONS:
        # 融资/融券 annual interest rates (fractions, default 0.08 / 0.10) and margin ratios
        # (保证金比率, default 1.0 = 100 %): jqlite.execution.margin
        v = _finite_option(name, value)
        if v < 0 or (name.endswith("margin_rate") and v <= 0):
            raise ParamsError(f"set_option({name!r}): must be {'> 0' if name.endswith('margin_rate') else '>= 0'}, "
                              f"was {value!r}")
        run.settings.margin_rates[name] = v
    elif name in ("use_real_price", "avoid_future_data", "match_by_signal", "t0_mode"):
        if name == "use_real_price" and run.phase not in ("init", "initialize"):
            raise ParamsError("set_option('use_real_price') must be called in initialize")
        setattr(run.settings, name, bool(value))
    # always_match_market_order / match_with_order_book: accepted, no effect with daily bars


def _finite_option(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ParamsError(f"set_option({name!r}): must be a number, was {value!r}") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise ParamsError(f"set_option({name!r}): must be a finite number, was {value!r}")
    return v


def set_order_cost(cost: OrderCost, type: str, ref: str | None = None) -> None:
    """Set the costs of a security category (``type``) or one security (``ref``)."""
    current_run("set_order_cost").costs.set_cost(cost, type, ref)


def set_commission(object: PerTrade, type: str = "stock", ref: str | None = None) -> None:
    """Deprecated: ``set_commission(PerTrade(buy_cost, sell_cost, min_cost))``."""
    run = current_run("set_commission")
    cost = object.to_order_cost() if isinstance(object, PerTrade) else object
    run.costs.set_cost(cost, "stock" if type is None else type, ref)
    if type in (None, "stock"):
        run.costs.set_cost(cost, "fund", ref)


def set_slippage(object: Slippage, type: str | None = None, ref: str | None = None) -> None:
    """Set slippage globally, for a category (``type``) or for one security (``ref``)."""
    current_run("set_slippage").costs.set_slippage(object, type, ref)


def set_universe(security_list) -> None:
    """Set ``context.universe`` (the default ``security_list`` of ``history``)."""
    current_run("set_universe").universe = list(security_list)


def set_subportfolios(configs) -> None:
    """Configure the sub-accounts: ``[SubPortfolioConfig(cash, type), ...]`` (spec §6.8).

    ``type`` ``'stock'`` is the stock account (jqlite keeps one: further stock sub-accounts are
    merged into it, said in the log), ``'futures'``/``'index_futures'`` a futures account
    (:mod:`jqlite.execution.futures`: margin, long/short positions, daily settlement),
    ``'stock_margin'`` a margin-trading (融资融券) account (:mod:`jqlite.execution.margin`).
    Without a futures or margin account nothing changes (one stock account with the starting
    cash).

    Raises
    ------
    ParamsError
        With a futures or margin account: called outside ``initialize``, or cash that does
        not sum to the starting cash.
    """
    run = current_run("set_subportfolios")
    configs = list(configs or [])
    kinds = [str(getattr(c, "type", "stock")) for c in configs]
    if not any(k in ("futures", "index_futures", "stock_margin") for k in kinds):
        run.log.system_warning("set_subportfolios(): jqlite runs a single stock account")
        return
    if run.phase not in ("init", "initialize"):
        raise ParamsError("set_subportfolios() must be called in initialize")
    total = sum(float(getattr(c, "cash", 0.0)) for c in configs)
    start = run.portfolio.inout_cash
    if abs(total - start) > max(1e-6 * start, 0.01):
        raise ParamsError(f"set_subportfolios(): the sub-accounts' cash sums to {total:.2f}, "
                          f"not the starting cash {start:.2f}")
    from ..execution.futures import FuturesBook
    run.futures = FuturesBook(run, configs)
    other = sorted({k for k in kinds if k not in ("stock", "futures", "index_futures", "stock_margin")})
    if other:
        run.log.system_warning(f"set_subportfolios(): sub-accounts of type {', '.join(other)} run as the stock account")


def transfer_cash(from_pindex: int, to_pindex: int, cash: float) -> None:
    """Move ``cash`` yuan from sub-account ``from_pindex`` to ``to_pindex`` at once (spec §6.8);
    at most what the source can transfer (``transferable_cash``; a futures account: its
    ``available_cash``), the excess is said in the log."""
    run = current_run("transfer_cash")
    if run.futures is None:     # one stock account: all sub-accounts are the same cash
        run.log.system_warning("transfer_cash(): jqlite runs a single stock account (no futures or "
                               "margin sub-account was configured); nothing to move")
        return
    run.futures.transfer(int(from_pindex), int(to_pindex), cash)


class SubPortfolioConfig:
    def __init__(self, cash, type):
        self.cash, self.type = cash, type


def record(**kwargs) -> None:
    """Record scalar values; one point per day (the last value of the day).  A numpy array of
    one element (``record(w=model.predict(x))``) is taken as its element, as ``float()`` of it
    was under numpy 1.x (JoinQuant's); numpy 2 raises TypeError (warned once per run)."""
    from ..compat.legacy import _scalar_of
    run = current_run("record")
    d = run.current_date
    row = run.records.setdefault(d, {})
    for k, v in kwargs.items():
        row[k] = float(_scalar_of(v, "float"))


def send_message(message, channel: str = "weixin") -> bool:
    """Ignored in backtests (logged at debug level); returns True."""
    run = run_or_none()
    if run is not None:
        run.log._emit("system", "debug", f"send_message: {message}", ())
    return True


def enable_profile() -> None:
    """No-op (jqlite always profiles callbacks)."""


def disable_cache() -> None:
    """No-op."""


def set_params(**kwargs) -> None:
    """jqlite extension: set ``g.<key>`` values (not a JoinQuant API)."""
    run = current_run("set_params")
    for k, v in kwargs.items():
        setattr(run.g, k, v)


class _GProxy:
    """``g`` as exported by ``jqdata``: forwards to the active run's GlobalVars."""

    def __getattr__(self, name):
        return getattr(current_run("g").g, name)

    def __setattr__(self, name, value):
        setattr(current_run("g").g, name, value)

    def __delattr__(self, name):
        delattr(current_run("g").g, name)

    def __repr__(self):
        run = run_or_none()
        return repr(run.g) if run else "g(<no backtest running>)"


class _LogProxy:
    """``log`` as exported by ``jqdata``: the active run's log, or Python logging in research."""

    def __getattr__(self, name):
        run = run_or_none()
        if run is None:
            import logging
            lg = logging.getLogger("jqlite.research")
            return {"warn": lg.warning, "set_level": lambda *a: None}.get(name, getattr(lg, name))
        return getattr(run.log, name)


g = _GProxy()
log = _LogProxy()
