"""Old pandas / numpy names that real JoinQuant strategy files use, restored for user code.

JoinQuant strategy files were written for pandas 0.x and numpy 1.x: ``df.sort('x')``,
``s.order()``, ``df.ix[...]``, ``pd.rolling_mean(s, 5)``, ``pd.ewma``, ``pandas.stats.api.ols``,
``df.append(row)``, ``s.iteritems()``, ``df.as_matrix()``, ``np.float``, ``np.NaN``, ...
pandas 2 and numpy 2 removed all of these.  :func:`install` restores them with their old
semantics (pandas 0.17-0.25 / numpy 1.x documentation):

===========================  ==================================================================
restored name                old meaning (modern spelling)
===========================  ==================================================================
``Series.sort()``            sorts **in place** by value, returns None (``sort_values(inplace=True)``)
``DataFrame.sort(columns)``  returns a sorted **copy**; no columns: by index (``sort_values``/``sort_index``)
``Series.order()``           sorted copy (``sort_values``)
``DataFrame.sort_index(by=)`` sort by columns (``sort_values(by=)``)
``.ix[...]``                 labels, falling back to positions for integers on a non-integer axis
``pd.rolling_*``/``expanding_*`` ``s.rolling(w).mean()`` ...; ndarray in -> ndarray out
``pd.ewma``/``ewmstd``/...   ``s.ewm(...).mean()`` ...
``pandas.stats.api.ols``     OLS fit with ``beta`` / ``resid`` / ``r2`` / ``t_stat`` ... (numpy lstsq)
``append``                   ``pd.concat``
``iteritems``                ``items``
``as_matrix(columns)``       ``.to_numpy()``
``valid()``                  ``dropna()``
``get_value``/``set_value``  ``.at[...]``
``DataFrame.to_panel()``     long frame (2-level row index major, minor) -> Panel: jqlite's
                             :class:`~jqlite.compat.panel.PanelFrame` (``df.unstack(1)``)
``mad()``                    mean absolute deviation about the mean
``pd.np``/``pd.datetime``    ``numpy`` / ``datetime.datetime``
``pd.TimeGrouper(f)``        ``pd.Grouper(freq=f)``
``np.float``/``int``/...     the Python builtins (numpy 1.20 aliases)
``np.NaN``/``Inf``/...       ``np.nan``/``np.inf``/... (numpy 2 removals)
``sklearn.preprocessing.Imputer`` ``sklearn.impute.SimpleImputer`` (scikit-learn 0.22 removal;
                             served when the strategy mentions it: :func:`install_sklearn`)
===========================  ==================================================================

Scope
-----
Patching pandas classes is process-wide, so :func:`install` runs only when a strategy (or a
research session) is loaded, and every restored name is served **only to user code**: a
caller whose file lies outside the standard library, ``site-packages`` and jqlite's own
package.  Libraries probing ``hasattr(df, 'iteritems')`` or ``getattr(np, 'float_', ...)`` see
pandas 2 / numpy 2 exactly as before.  The only change visible to every caller is
``DataFrame.sort_index``, which gains the ``by=`` keyword (otherwise it calls the original).

Every restored name warns **once per run** in the run log (``log.warn``) naming its modern
replacement; outside a run (research) once per process as a ``FutureWarning``.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import functools
import os
import sys
import sysconfig
import types
import warnings
from typing import Any, Callable

import numpy as np
import pandas as pd

# ---------------------------------------------------------------------------- who is "user code"

def _lib_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    jq = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dirs.add(jq)  # jqlite/
    for pkg in ("jqdata", "jqfactor", "jqlib", "kuanke"):  # jqlite's JoinQuant-named packages
        dirs.add(os.path.join(os.path.dirname(jq), pkg))
    dirs.add(os.path.dirname(np.__file__))
    dirs.add(os.path.dirname(pd.__file__))
    for p in sys.path:
        if p.endswith(("site-packages", "dist-packages")):
            dirs.add(p)
    return tuple(sorted(d.rstrip(os.sep) + os.sep for d in dirs if d))


_LIB_DIRS = _lib_dirs()
_USER_CACHE: dict[str, bool] = {}


def is_user_file(filename: str) -> bool:
    """True when ``filename`` (a code object's ``co_filename``) is user code: a strategy file,
    a notebook cell, a test — anything outside the standard library, site-packages, numpy,
    pandas and jqlite's own packages (jqlite, jqdata, jqfactor, jqlib, kuanke)."""
    r = _USER_CACHE.get(filename)
    if r is None:
        if filename.startswith("<frozen"):
            r = False
        else:
            r = not os.path.abspath(filename).startswith(_LIB_DIRS) if not filename.startswith("<") else True
        _USER_CACHE[filename] = r
    return r


def _caller_is_user(depth: int = 2) -> bool:
    try:
        f = sys._getframe(depth)
    except ValueError:  # pragma: no cover
        return True
    return is_user_file(f.f_code.co_filename)


# ---------------------------------------------------------------------------- warn once

_WARNED_NO_RUN: set[str] = set()


def used(name: str, modern: str, library: str = "pandas/numpy") -> None:
    """Record that user code used the restored ``name``: one ``log.warn`` per run naming the
    modern spelling ``modern`` (outside a run: one ``FutureWarning`` per process).
    ``library`` is the library that removed it, for the message."""
    from ..api._binding import run_or_none
    run = run_or_none()
    if run is not None:
        seen = run.__dict__.setdefault("_legacy_warned", set())
        if name in seen:
            return
        seen.add(name)
        run.log.warn(f"{name} was removed from {library}; jqlite restores it for old "
                     f"strategy files — modern spelling: {modern}")
        return
    if name in _WARNED_NO_RUN:
        return
    _WARNED_NO_RUN.add(name)
    warnings.warn(f"{name} was removed from {library}; jqlite restores it — modern "
                  f"spelling: {modern}", FutureWarning, stacklevel=4)


class _UserOnly:
    """Class attribute served only to user code (see module docstring); libraries get
    AttributeError, as without jqlite."""

    def __init__(self, name: str, func: Callable, modern: str, prop: bool = False):
        self.name, self.func, self.modern, self.prop = name, func, modern, prop

    def __set_name__(self, owner, name):  # pragma: no cover - set explicitly
        pass

    def __get__(self, obj, owner=None):
        if not _caller_is_user(2):
            raise AttributeError(f"'{owner.__name__}' object has no attribute '{self.name}'")
        if obj is None:
            return self.func
        # a column (DataFrame) or index label (Series) of that name wins, as in pandas 2
        keys = obj.columns if isinstance(obj, pd.DataFrame) else getattr(obj, "index", None)
        if keys is not None and keys.dtype == object:
            try:
                if self.name in keys:
                    return obj[self.name]
            except TypeError:  # pragma: no cover - unhashable index content
                pass
        used(f"{owner.__name__}.{self.name}", self.modern)
        if self.prop:
            return self.func(obj)
        return types.MethodType(self.func, obj)


def _add(cls: type, name: str, func: Callable, modern: str, prop: bool = False) -> None:
    if name in cls.__dict__ and not isinstance(cls.__dict__[name], _UserOnly):
        return  # the name exists in this pandas: never shadow it
    setattr(cls, name, _UserOnly(name, func, modern, prop))


# ---------------------------------------------------------------------------- pandas: sorting

def _series_sort(self, axis=0, ascending=True, kind="quicksort", na_position="last", inplace=True):
    """pandas <= 0.19 ``Series.sort``: sort by value **in place** by default (returns None)."""
    if inplace:
        self.sort_values(ascending=ascending, kind=kind, na_position=na_position, inplace=True)
        return None
    return self.sort_values(ascending=ascending, kind=kind, na_position=na_position)


def _series_order(self, na_last=None, ascending=True, kind="quicksort", na_position="last",
                  inplace=False):
    """pandas <= 0.19 ``Series.order``: a sorted copy."""
    if na_last is not None:
        na_position = "last" if na_last else "first"
    return self.sort_values(ascending=ascending, kind=kind, na_position=na_position, inplace=inplace)


def _frame_sort(self, columns=None, axis=0, ascending=True, inplace=False, kind="quicksort",
                na_position="last", **kwargs):
    """pandas <= 0.19 ``DataFrame.sort``: a sorted **copy** by ``columns`` (by the index when
    None)."""
    if columns is None and "by" in kwargs:
        columns = kwargs.pop("by")
    if columns is None:
        return self.sort_index(axis=axis, ascending=ascending, inplace=inplace, kind=kind,
                               na_position=na_position)
    return self.sort_values(by=columns, axis=axis, ascending=ascending, inplace=inplace,
                            kind=kind, na_position=na_position)


def _frame_to_panel(self):
    """pandas <= 0.25 ``DataFrame.to_panel``: a long frame whose row index has two levels
    (major, minor) as a Panel -- items = the columns, major axis = level 0, minor axis =
    level 1 (both sorted) -- here the :class:`~jqlite.compat.panel.PanelFrame` jqlite uses
    for JoinQuant's Panels (``major_xs``, ``minor_xs``, ``p[item]`` as major x minor).

    Raises
    ------
    ValueError
        The index is not a two-level MultiIndex (pandas 0.25 raised the same).
    """
    from .panel import PanelFrame
    if not isinstance(self.index, pd.MultiIndex) or self.index.nlevels != 2:
        raise ValueError("Only 2-level MultiIndex are supported.")
    wide = self.unstack(level=1).sort_index()
    return PanelFrame(wide)


_ORIG_SORT_INDEX = pd.DataFrame.sort_index


@functools.wraps(_ORIG_SORT_INDEX)
def _frame_sort_index(self, *args, **kwargs):
    by = kwargs.pop("by", None)
    if by is None:
        return _ORIG_SORT_INDEX(self, *args, **kwargs)
    if _caller_is_user(2):
        used("DataFrame.sort_index(by=...)", "DataFrame.sort_values(by=...)")
    names = ("axis", "level", "ascending", "inplace", "kind", "na_position")
    kw = dict(zip(names, args))
    kw.update(kwargs)
    kw.pop("level", None)
    kw.pop("sort_remaining", None)
    return self.sort_values(by=by, **kw)


_frame_sort_index._jqlite_legacy = True  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- pandas: .ix

def _is_intlike_axis(index: pd.Index) -> bool:
    return pd.api.types.is_integer_dtype(index.dtype)


def _ix_key(index: pd.Index, key: Any) -> Any:
    """One axis of an ``.ix`` key as labels: integers (scalars, lists, int slices) are
    positions unless the axis itself holds integers (pandas 0.x rule)."""
    if _is_intlike_axis(index):
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        return index[int(key)]
    if isinstance(key, slice):
        parts = (key.start, key.stop)
        if all(p is None or isinstance(p, (int, np.integer)) for p in parts) and \
                any(p is not None for p in parts + (key.step,)):
            return index[key] if key.step is None or not isinstance(key.step, (int, np.integer)) \
                else index[key]
        return key
    if isinstance(key, (list, np.ndarray, pd.Index)) and len(key) and \
            all(isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)) for k in key):
        return index[list(key)]
    return key


class _IXIndexer:
    """``obj.ix[...]``: pandas 0.x's mixed label/position indexer."""

    def __init__(self, obj):
        self.obj = obj

    def _keys(self, key):
        obj = self.obj
        if isinstance(key, tuple) and isinstance(obj, pd.DataFrame):
            if len(key) != 2:
                raise IndexError(f".ix: too many indexers {key!r}")
            r, c = key
            return (_ix_key(obj.index, r), _ix_key(obj.columns, c))
        return _ix_key(obj.index, key)

    @staticmethod
    def _label_slice(k):
        return isinstance(k, pd.Index)

    def __getitem__(self, key):
        obj = self.obj
        k = self._keys(key)
        if isinstance(k, tuple):
            return obj.loc[k]
        if isinstance(obj, pd.DataFrame) and isinstance(k, str) and k not in obj.index \
                and k in obj.columns:
            return obj[k]
        return obj.loc[k]

    def __setitem__(self, key, value):
        self.obj.loc[self._keys(key)] = value


def _ix(self):
    return _IXIndexer(self)


# ---------------------------------------------------------------------------- pandas: misc methods

def _frame_append(self, other, ignore_index=False, verify_integrity=False, sort=False):
    """pandas < 2 ``DataFrame.append``: rows of ``other`` (DataFrame, Series, dict or a list
    of them) appended, as ``pd.concat``."""
    if isinstance(other, (pd.Series, dict)):
        if isinstance(other, dict):
            if not ignore_index:
                raise TypeError("Can only append a dict if ignore_index=True")
            other = pd.Series(other)
        if other.name is None and not ignore_index:
            raise TypeError("Can only append a Series if ignore_index=True or if the Series has a name")
        row = other.to_frame().T
        if other.name is not None:
            row.index = [other.name]
        row = row.infer_objects()
        others = [row]
    elif isinstance(other, (list, tuple)):
        others = []
        for o in other:
            if isinstance(o, dict):
                o = pd.Series(o)
            others.append(o.to_frame().T.infer_objects() if isinstance(o, pd.Series) else o)
    else:
        others = [other]
    frames = [self] + others
    frames = [f for f in frames if not (isinstance(f, pd.DataFrame) and f.shape == (0, 0))] or [self]
    return pd.concat(frames, ignore_index=ignore_index, verify_integrity=verify_integrity, sort=sort)


def _series_append(self, to_append, ignore_index=False, verify_integrity=False):
    """pandas < 2 ``Series.append``: ``pd.concat([self, *to_append])``."""
    others = list(to_append) if isinstance(to_append, (list, tuple)) else [to_append]
    return pd.concat([self] + others, ignore_index=ignore_index, verify_integrity=verify_integrity)


def _iteritems(self):
    return self.items()


def _as_matrix(self, columns=None):
    return (self[list(columns)] if columns is not None else self).to_numpy()


def _valid(self, inplace=False, **kwargs):
    return self.dropna(inplace=inplace)


def _frame_get_value(self, index, col, takeable=False):
    return self.iat[index, col] if takeable else self.at[index, col]


def _frame_set_value(self, index, col, value, takeable=False):
    if takeable:
        self.iat[index, col] = value
    else:
        self.loc[index, col] = value
    return self


def _series_get_value(self, label, takeable=False):
    return self.iat[label] if takeable else self.at[label]


def _series_set_value(self, label, value, takeable=False):
    if takeable:
        self.iat[label] = value
    else:
        self.loc[label] = value
    return self


def _mad(self, axis=None, skipna=True, level=None):
    """Mean absolute deviation about the mean (pandas < 2 ``mad``)."""
    if isinstance(self, pd.Series):
        return (self - self.mean(skipna=skipna)).abs().mean(skipna=skipna)
    ax = 0 if axis in (None, 0, "index") else 1
    dev = self.sub(self.mean(axis=ax, skipna=skipna), axis=1 - ax)
    return dev.abs().mean(axis=ax, skipna=skipna)


def _lookup(self, row_labels, col_labels):
    r = self.index.get_indexer(row_labels)
    c = self.columns.get_indexer(col_labels)
    return self.to_numpy()[r, c]


def _nonzero(self):
    return np.nonzero(self.to_numpy())


# ---------------------------------------------------------------------------- pandas: moving windows

def _as_pandas(arg):
    if isinstance(arg, (pd.Series, pd.DataFrame)):
        return arg, None
    a = np.asarray(arg)
    return (pd.Series(a) if a.ndim == 1 else pd.DataFrame(a)), a


def _back(res, raw):
    return res if raw is None else res.to_numpy()


def _rolling_fn(stat: str):
    def f(arg, window, min_periods=None, freq=None, center=False, how=None, **kwargs):
        obj, raw = _as_pandas(arg)
        r = obj.rolling(window, min_periods=min_periods, center=center)
        if stat == "quantile":
            return _back(r.quantile(kwargs.pop("quantile")), raw)
        if stat in ("std", "var"):
            return _back(getattr(r, stat)(ddof=kwargs.get("ddof", 1)), raw)
        return _back(getattr(r, stat)(), raw)
    f.__name__ = f"rolling_{stat}"
    f.__doc__ = (f"pandas < 0.18 ``pd.rolling_{stat}(arg, window, min_periods=None, center=False)``"
                 f" = ``arg.rolling(window, min_periods, center).{stat}()``; an ndarray ``arg`` "
                 "gives an ndarray.")
    return f


def rolling_apply(arg, window, func, min_periods=None, freq=None, center=False, args=(), kwargs=None):
    """pandas < 0.18 ``pd.rolling_apply``: ``func`` gets each window as an ndarray."""
    obj, raw = _as_pandas(arg)
    r = obj.rolling(window, min_periods=min_periods, center=center)
    return _back(r.apply(func, raw=True, args=tuple(args), kwargs=kwargs or {}), raw)


def rolling_corr(arg1, arg2=None, window=None, min_periods=None, freq=None, center=False, pairwise=None):
    """pandas < 0.18 ``pd.rolling_corr`` = ``arg1.rolling(window, min_periods, center).corr(arg2)``;
    ndarray in, ndarray out (``freq`` ignored: removed from pandas)."""
    a, raw = _as_pandas(arg1)
    b = _as_pandas(arg2)[0] if arg2 is not None else None
    return _back(a.rolling(window, min_periods=min_periods, center=center).corr(b, pairwise=pairwise), raw)


def rolling_cov(arg1, arg2=None, window=None, min_periods=None, freq=None, center=False, pairwise=None, ddof=1):
    """pandas < 0.18 ``pd.rolling_cov`` = ``arg1.rolling(window, min_periods, center).cov(arg2, ddof=ddof)``;
    ndarray in, ndarray out."""
    a, raw = _as_pandas(arg1)
    b = _as_pandas(arg2)[0] if arg2 is not None else None
    return _back(a.rolling(window, min_periods=min_periods, center=center).cov(b, pairwise=pairwise, ddof=ddof), raw)


def _expanding_fn(stat: str):
    def f(arg, min_periods=1, freq=None, **kwargs):
        obj, raw = _as_pandas(arg)
        r = obj.expanding(min_periods=min_periods)
        if stat == "quantile":
            return _back(r.quantile(kwargs.pop("quantile")), raw)
        return _back(getattr(r, stat)(), raw)
    f.__name__ = f"expanding_{stat}"
    f.__doc__ = f"pandas < 0.18 ``pd.expanding_{stat}`` = ``arg.expanding(min_periods).{stat}()``."
    return f


def _ewm_obj(arg, com=None, span=None, halflife=None, alpha=None, min_periods=0, adjust=True,
             ignore_na=False):
    obj, raw = _as_pandas(arg)
    return obj.ewm(com=com, span=span, halflife=halflife, alpha=alpha, min_periods=min_periods,
                   adjust=adjust, ignore_na=ignore_na), raw


def ewma(arg, com=None, span=None, halflife=None, alpha=None, min_periods=0, freq=None,
         adjust=True, how=None, ignore_na=False):
    """pandas < 0.18 ``pd.ewma`` = ``arg.ewm(com=, span=, halflife=, alpha=, ...).mean()``."""
    e, raw = _ewm_obj(arg, com, span, halflife, alpha, min_periods, adjust, ignore_na)
    return _back(e.mean(), raw)


def ewmstd(arg, com=None, span=None, halflife=None, alpha=None, min_periods=0, bias=False,
           freq=None, adjust=True, ignore_na=False):
    """pandas < 0.18 ``pd.ewmstd`` = ``arg.ewm(com=, span=, halflife=, alpha=, ...).std(bias=bias)``."""
    e, raw = _ewm_obj(arg, com, span, halflife, alpha, min_periods, adjust, ignore_na)
    return _back(e.std(bias=bias), raw)


def ewmvar(arg, com=None, span=None, halflife=None, alpha=None, min_periods=0, bias=False,
           freq=None, adjust=True, ignore_na=False):
    """pandas < 0.18 ``pd.ewmvar`` = ``arg.ewm(...).var(bias=bias)``."""
    e, raw = _ewm_obj(arg, com, span, halflife, alpha, min_periods, adjust, ignore_na)
    return _back(e.var(bias=bias), raw)


def ewmcorr(arg1, arg2=None, com=None, span=None, halflife=None, alpha=None, min_periods=0,
            freq=None, pairwise=None, adjust=True, ignore_na=False):
    """pandas < 0.18 ``pd.ewmcorr`` = ``arg1.ewm(...).corr(arg2)``."""
    e, raw = _ewm_obj(arg1, com, span, halflife, alpha, min_periods, adjust, ignore_na)
    return _back(e.corr(_as_pandas(arg2)[0] if arg2 is not None else None, pairwise=pairwise), raw)


def ewmcov(arg1, arg2=None, com=None, span=None, halflife=None, alpha=None, min_periods=0,
           bias=False, freq=None, pairwise=None, adjust=True, ignore_na=False):
    """pandas < 0.18 ``pd.ewmcov`` = ``arg1.ewm(...).cov(arg2, bias=bias)``."""
    e, raw = _ewm_obj(arg1, com, span, halflife, alpha, min_periods, adjust, ignore_na)
    return _back(e.cov(_as_pandas(arg2)[0] if arg2 is not None else None, pairwise=pairwise, bias=bias), raw)


_ROLLING_STATS = ("count", "sum", "mean", "median", "min", "max", "std", "var", "skew", "kurt",
                  "quantile")


# ---------------------------------------------------------------------------- pandas.stats.api.ols

class OLSResult:
    """Result of :func:`ols` with pandas 0.x's ``OLS`` attributes.

    Attributes
    ----------
    beta : Series
        Coefficients, indexed by the regressors' names then ``'intercept'`` (pandas 0.x order).
    std_err, t_stat, p_value : Series
        Standard errors, t statistics and two-sided p-values of ``beta``.
    resid, y_fitted : Series
        Residuals and fitted values on the rows used (``y_predict`` is ``y_fitted``).
    r2, r2_adj : float
        R² and adjusted R² (centred when there is an intercept, as pandas).
    nobs, df, df_model, df_resid : int
        Rows used, parameters, model and residual degrees of freedom.
    rmse : float
        ``sqrt(SSR / df_resid)``.
    f_stat : dict
        ``{'f-stat', 'p-value', 'DF X', 'DF Resid'}``.
    """

    def __init__(self, y: pd.Series, x: pd.DataFrame, intercept: bool):
        from scipy import stats
        X = x.copy()
        if intercept:
            X["intercept"] = 1.0
        A = X.to_numpy(dtype=float)
        b = y.to_numpy(dtype=float)
        coef, *_ = np.linalg.lstsq(A, b, rcond=None)
        fitted = A @ coef
        resid = b - fitted
        n, k = A.shape
        self.nobs = n
        self.df = k
        self.df_resid = n - k
        self.df_model = k - 1 if intercept else k
        ssr = float(resid @ resid)
        sst = float(((b - b.mean()) ** 2).sum()) if intercept else float((b ** 2).sum())
        self.r2 = 1.0 - ssr / sst if sst else float("nan")
        self.r2_adj = 1.0 - (1.0 - self.r2) * (n - 1 if intercept else n) / self.df_resid \
            if self.df_resid > 0 else float("nan")
        sigma2 = ssr / self.df_resid if self.df_resid > 0 else float("nan")
        self.rmse = float(np.sqrt(sigma2))
        cov = sigma2 * np.linalg.pinv(A.T @ A)
        se = np.sqrt(np.diag(cov))
        self.beta = pd.Series(coef, index=X.columns)
        self.std_err = pd.Series(se, index=X.columns)
        self.t_stat = self.beta / self.std_err
        self.p_value = pd.Series(2 * stats.t.sf(np.abs(self.t_stat.to_numpy()), self.df_resid),
                                 index=X.columns)
        self.resid = pd.Series(resid, index=y.index)
        self.y_fitted = pd.Series(fitted, index=y.index)
        self.y_predict = self.y_fitted
        if self.df_model > 0 and self.df_resid > 0 and self.r2 == self.r2:
            f = (self.r2 / self.df_model) / ((1 - self.r2) / self.df_resid) if self.r2 < 1 else float("inf")
            self.f_stat = {"f-stat": f, "p-value": float(stats.f.sf(f, self.df_model, self.df_resid)),
                           "DF X": self.df_model, "DF Resid": self.df_resid}
        else:
            self.f_stat = {"f-stat": float("nan"), "p-value": float("nan"), "DF X": self.df_model,
                           "DF Resid": self.df_resid}

    @property
    def summary(self) -> str:
        rows = "\n".join(f"{n:>12} {b:12.4f} {s:12.4f} {t:10.2f} {p:8.4f}"
                         for n, b, s, t, p in zip(self.beta.index, self.beta, self.std_err,
                                                  self.t_stat, self.p_value))
        return (f"Number of Observations: {self.nobs}\nR-squared: {self.r2:.4f}  "
                f"Adj R-squared: {self.r2_adj:.4f}\n{'Variable':>12} {'Coef':>12} "
                f"{'Std Err':>12} {'t-stat':>10} {'p-value':>8}\n{rows}")

    def __repr__(self) -> str:
        return self.summary


def ols(y=None, x=None, intercept=True, window_type="full_sample", window=None, **kwargs) -> OLSResult:
    """pandas < 0.20 ``pandas.stats.api.ols(y=, x=)``: full-sample least squares.

    ``y`` is a Series; ``x`` a DataFrame, a Series (regressor named ``'x'``) or a dict of
    Series.  Rows where ``y`` or any regressor is NaN are dropped after aligning on the
    index.  Rolling/expanding windows are not supported (raises NotImplementedError).
    """
    if window_type not in ("full_sample", None) or window is not None:
        raise NotImplementedError("pandas.stats.api.ols: only window_type='full_sample' is restored "
                                  "by jqlite; use statsmodels RollingOLS for moving windows")
    if isinstance(x, dict):
        x = pd.DataFrame(x)
    elif isinstance(x, pd.Series):
        x = x.to_frame("x")
    elif not isinstance(x, pd.DataFrame):
        x = pd.DataFrame({"x": np.asarray(x, dtype=float)})
    if not isinstance(y, pd.Series):
        y = pd.Series(np.asarray(y, dtype=float), index=x.index)
    data = pd.concat([y.rename("__y__"), x], axis=1, join="inner").dropna()
    return OLSResult(data["__y__"], data.drop(columns="__y__"), intercept)


# ---------------------------------------------------------------------------- module-level names

def _pd_names() -> dict[str, tuple[Any, str]]:
    names: dict[str, tuple[Any, str]] = {
        "np": (np, "import numpy as np"),
        "datetime": (_dt.datetime, "datetime.datetime"),
        "ewma": (ewma, "s.ewm(...).mean()"), "ewmstd": (ewmstd, "s.ewm(...).std()"),
        "ewmvar": (ewmvar, "s.ewm(...).var()"), "ewmcorr": (ewmcorr, "s.ewm(...).corr()"),
        "ewmcov": (ewmcov, "s.ewm(...).cov()"),
        "rolling_apply": (rolling_apply, "s.rolling(w).apply(f, raw=True)"),
        "rolling_corr": (rolling_corr, "s.rolling(w).corr(other)"),
        "rolling_cov": (rolling_cov, "s.rolling(w).cov(other)"),
        "ols": (ols, "statsmodels.api.OLS"),
        "TimeGrouper": (lambda freq=None, **kw: pd.Grouper(freq=freq, **kw), "pd.Grouper(freq=...)"),
        "Int64Index": (lambda data=None, **kw: pd.Index(data, dtype="int64", **kw), "pd.Index(..., dtype='int64')"),
        "Float64Index": (lambda data=None, **kw: pd.Index(data, dtype="float64", **kw), "pd.Index(..., dtype='float64')"),
    }
    for s in _ROLLING_STATS:
        names[f"rolling_{s}"] = (_rolling_fn(s), f"s.rolling(window).{s}()")
        names[f"expanding_{s}"] = (_expanding_fn(s), f"s.expanding().{s}()")
    return names


_NP_NAMES: dict[str, tuple[Any, str]] = {
    "float": (builtins.float, "float"), "int": (builtins.int, "int"),
    "bool": (builtins.bool, "bool"), "object": (builtins.object, "object"),
    "str": (builtins.str, "str"), "long": (builtins.int, "int"),
    "unicode": (builtins.str, "str"), "complex": (builtins.complex, "complex"),
    "NaN": (np.nan, "np.nan"), "NAN": (np.nan, "np.nan"), "Inf": (np.inf, "np.inf"),
    "Infinity": (np.inf, "np.inf"), "infty": (np.inf, "np.inf"), "PINF": (np.inf, "np.inf"),
    "NINF": (-np.inf, "-np.inf"), "PZERO": (0.0, "0.0"), "NZERO": (-0.0, "-0.0"),
    "float_": (np.float64, "np.float64"), "complex_": (np.complex128, "np.complex128"),
    "string_": (np.bytes_, "np.bytes_"), "unicode_": (np.str_, "np.str_"),
    "int0": (np.intp, "np.intp"), "uint0": (np.uintp, "np.uintp"), "bool8": (np.bool_, "np.bool_"),
    "object0": (np.object_, "np.object_"), "str0": (np.str_, "np.str_"),
    "bytes0": (np.bytes_, "np.bytes_"), "longfloat": (np.longdouble, "np.longdouble"),
    "cfloat": (np.complex128, "np.complex128"), "singlecomplex": (np.complex64, "np.complex64"),
    "longcomplex": (np.clongdouble, "np.clongdouble"), "clongfloat": (np.clongdouble, "np.clongdouble"),
    "product": (np.prod, "np.prod"), "cumproduct": (np.cumprod, "np.cumprod"),
    "alltrue": (np.all, "np.all"), "sometrue": (np.any, "np.any"),
    "round_": (np.round, "np.round"), "asscalar": (lambda a: np.asarray(a).item(), "a.item()"),
    "msort": (lambda a: np.sort(a, axis=0), "np.sort(a, axis=0)"),
    "asfarray": (lambda a, dtype=np.float64: np.asarray(a, dtype=dtype if np.issubdtype(np.dtype(dtype), np.inexact) else np.float64), "np.asarray(a, dtype=float)"),
    "mat": (np.asmatrix, "np.asmatrix"), "rank": (np.ndim, "np.ndim"),
    "in1d": (lambda a, b, assume_unique=False, invert=False: np.isin(np.ravel(a), b, assume_unique=assume_unique, invert=invert), "np.isin"),
    "trapz": (getattr(np, "trapezoid", None), "np.trapezoid"),
    "issubclass_": (lambda a, b: isinstance(a, type) and issubclass(a, b), "issubclass"),
}


def _module_getattr(module: types.ModuleType, names: dict[str, tuple[Any, str]], label: str,
                    library: str = "pandas/numpy"):
    """Wrap ``module.__getattr__`` (PEP 562) so that ``names`` resolve for user code only."""
    orig = module.__dict__.get("__getattr__")
    if getattr(orig, "_jqlite_legacy", False):
        return

    def __getattr__(attr: str):
        hit = names.get(attr)
        if hit is not None and hit[0] is not None and _caller_is_user(2):
            used(f"{label}.{attr}", hit[1], library)
            return hit[0]
        if orig is not None:
            return orig(attr)
        raise AttributeError(f"module '{module.__name__}' has no attribute '{attr}'")

    __getattr__._jqlite_legacy = True  # type: ignore[attr-defined]
    module.__getattr__ = __getattr__  # type: ignore[attr-defined]


def _stats_modules() -> None:
    """Importable ``pandas.stats`` / ``pandas.stats.api`` / ``pandas.stats.ols`` with ``ols``."""
    if "pandas.stats" in sys.modules:
        return
    pkg = types.ModuleType("pandas.stats", "pandas < 0.20 statistics (restored by jqlite: ols only)")
    pkg.__path__ = []  # a package, so that submodule imports resolve
    api = types.ModuleType("pandas.stats.api", "pandas < 0.20 pandas.stats.api (restored by jqlite)")
    olsmod = types.ModuleType("pandas.stats.ols")
    for m in (api, olsmod):
        m.ols = ols
        m.OLS = ols
    mom = types.ModuleType("pandas.stats.moments")
    for name, (obj, _) in _pd_names().items():
        if name.startswith(("rolling_", "expanding_", "ewm")):
            setattr(mom, name, obj)
    pkg.api, pkg.ols, pkg.moments = api, olsmod, mom
    sys.modules.update({"pandas.stats": pkg, "pandas.stats.api": api, "pandas.stats.ols": olsmod,
                        "pandas.stats.moments": mom})
    pd_names = _pd_names()
    pd_names["stats"] = (pkg, "statsmodels")
    _module_getattr(pd, pd_names, "pandas")


# ---------------------------------------------------------------------------- float()/int() of size-1 arrays

class _BuiltinAlike(type):
    """Metaclass of :class:`Numpy1Float` / :class:`Numpy1Int`: the class behaves as the
    builtin it stands for in ``isinstance``, ``issubclass``, ``type(x) == float`` and as a
    dict key (numpy and pandas take it as a dtype: ``astype(float)`` gives float64)."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.__base__)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls.__base__)

    def __eq__(cls, other):
        return other is cls or other is cls.__base__

    def __hash__(cls):
        return hash(cls.__base__)

    def __repr__(cls):
        return repr(cls.__base__)


def _scalar_of(x, name: str):
    """A size-1 ndarray as its one element (numpy < 2 converted it; numpy 2 refuses)."""
    if isinstance(x, np.ndarray) and x.ndim and x.size == 1:
        used(f"{name}() of a {x.ndim}-d array of one element", f"{name}(a.item())", "numpy 2")
        return x.reshape(()).item()
    return x


class Numpy1Float(builtins.float, metaclass=_BuiltinAlike):
    """The strategy's ``float``: the builtin, except that ``float(a)`` of a numpy array holding
    one element (``LinearRegression().coef_``, ``shape (1, 1)``) gives that element, as numpy
    1.x did (JoinQuant's); numpy 2 raises TypeError.  Returns a builtin ``float``."""

    def __new__(cls, x=0.0):
        return builtins.float(_scalar_of(x, "float"))


class Numpy1Int(builtins.int, metaclass=_BuiltinAlike):
    """The strategy's ``int``: the builtin, except that ``int(a)`` of a numpy array holding one
    element gives ``int`` of that element, as numpy 1.x did.  Returns a builtin ``int``."""

    def __new__(cls, x=0, base=None):
        if base is not None:
            return builtins.int(x, base)
        return builtins.int(_scalar_of(x, "int"))


for _c, _n in ((Numpy1Float, "float"), (Numpy1Int, "int")):
    _c.__name__ = _c.__qualname__ = _n
    _c.__module__ = "builtins"


# ---------------------------------------------------------------------------- "%d" % one-element array

def _one_element_scalars(args):
    """``args`` of a ``%`` format with every numpy array of one element (any ndim >= 1)
    replaced by that element; ``args`` itself (the same object) when there is none."""
    if isinstance(args, np.ndarray):
        return args.reshape(()).item() if args.ndim and args.size == 1 else args
    if isinstance(args, tuple):
        new = tuple(_one_element_scalars(a) for a in args)
        return args if all(a is b for a, b in zip(new, args)) else new
    if isinstance(args, dict):
        new_d = {k: _one_element_scalars(v) for k, v in args.items()}
        return args if all(new_d[k] is v for k, v in args.items()) else new_d
    return args


def percent_args(fmt, args):
    """The right operand of ``fmt % args`` as numpy 1.x allowed it: a numpy array of one element
    (``model.predict(x)``, ``np.array([3])``) formatted with ``%d``/``%f``/``%.2f`` as its
    element; numpy 2 refuses (``TypeError: %d format: a real number is required``).  Returns
    ``args`` itself unless it holds such an array and ``fmt % args`` raises TypeError; then
    ``args`` with those arrays replaced by their element (once-per-run warning).  So every
    format that works unchanged gives exactly what Python gives (``'%s' % np.array([3])`` is
    still ``'[3]'``), and the ``%`` itself still runs in the strategy's own frame (its errors
    are the strategy's).  The strategy's ``"..." % x`` expressions call this
    (:func:`rewrite_percent_formats`)."""
    fixed = _one_element_scalars(args)
    if fixed is args:
        return args
    try:
        fmt % args
        return args
    except TypeError:
        used("'%d' % (one-element array)", "'%d' % a.item()", "numpy 2")
        return fixed


#: Name under which :func:`percent_args` is in the strategy's namespace.
PERCENT_ARGS_NAME = "__jqlite_percent_args__"


def rewrite_percent_formats(tree):
    """Rewrite every ``<string literal> % expr`` of a strategy's AST into
    ``<string literal> % percent_args(<string literal>, expr)`` (:func:`percent_args`, named
    ``PERCENT_ARGS_NAME`` in the strategy's namespace); line numbers are kept.  Only string
    literals on the left: ``a % b`` of numbers or of a string variable is untouched."""
    import ast

    class _Percent(ast.NodeTransformer):
        def visit_BinOp(self, node):
            self.generic_visit(node)
            if (isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant)
                    and isinstance(node.left.value, str)):
                lit = ast.copy_location(ast.Constant(node.left.value), node.left)
                call = ast.Call(func=ast.Name(id=PERCENT_ARGS_NAME, ctx=ast.Load()),
                                args=[lit, node.right], keywords=[])
                node.right = ast.copy_location(call, node.right)
            return node

    tree = _Percent().visit(tree)
    return ast.fix_missing_locations(tree)


# ---------------------------------------------------------------------------- scikit-learn < 0.22

class Imputer:
    """scikit-learn < 0.22 ``sklearn.preprocessing.Imputer`` (removed in 0.22), on top of
    :class:`sklearn.impute.SimpleImputer`.

    Parameters
    ----------
    missing_values : float, int or str, default ``'NaN'``
        The placeholder of a missing value; the old string ``'NaN'`` (the old default) means
        ``numpy.nan``.
    strategy : {'mean', 'median', 'most_frequent'}
    axis : {0, 1}
        0 imputes each column with its column statistic learnt by ``fit`` (SimpleImputer);
        1 imputes each row with the statistic of that row, computed when transforming (the
        old ``axis=1``: ``fit`` learns nothing).
    verbose, copy
        Accepted as before (``copy`` is passed on).

    Columns that are entirely missing are dropped by ``transform`` with ``axis=0``, as the old
    class did (and SimpleImputer still does).
    """

    def __init__(self, missing_values="NaN", strategy="mean", axis=0, verbose=0, copy=True):
        if axis not in (0, 1):
            raise ValueError(f"Can only impute missing values on axis 0 and 1, got axis={axis}")
        self.missing_values, self.strategy, self.axis = missing_values, strategy, axis
        self.verbose, self.copy = verbose, copy
        self._imp = None

    def _new(self):
        from sklearn.impute import SimpleImputer
        mv = np.nan if isinstance(self.missing_values, str) and self.missing_values.lower() == "nan" \
            else self.missing_values
        return SimpleImputer(missing_values=mv, strategy=self.strategy, copy=self.copy)

    def fit(self, X, y=None):
        """Learn the column statistics (``axis=0``); nothing to learn with ``axis=1``."""
        if self.axis == 0:
            self._imp = self._new().fit(X)
            self.statistics_ = self._imp.statistics_
        return self

    def transform(self, X):
        """``X`` with missing values replaced (ndarray, float)."""
        if self.axis == 1:
            return self._new().fit_transform(np.asarray(X, dtype=float).T).T
        if self._imp is None:
            raise ValueError("This Imputer instance is not fitted yet; call fit first")
        return self._imp.transform(X)

    def fit_transform(self, X, y=None):
        """``fit(X).transform(X)``."""
        return self.fit(X).transform(X)

    def get_params(self, deep=True):
        return {"missing_values": self.missing_values, "strategy": self.strategy,
                "axis": self.axis, "verbose": self.verbose, "copy": self.copy}

    def set_params(self, **params):
        for k, v in params.items():
            setattr(self, k, v)
        return self


#: scikit-learn names removed since the version JoinQuant shipped: module -> {name: (object, modern)}
_SKLEARN_NAMES: dict[str, dict[str, tuple[Any, str]]] = {
    "sklearn.preprocessing": {"Imputer": (Imputer, "sklearn.impute.SimpleImputer")},
}


#: estimators whose ``max_features='auto'`` scikit-learn 1.3 removed -> what 'auto' meant
#: (scikit-learn 1.1 docs: classifiers ``sqrt(n_features)``, regressors ``n_features``)
_SKLEARN_AUTO_MAX_FEATURES = {
    "sklearn.ensemble": {"RandomForestClassifier": "sqrt", "ExtraTreesClassifier": "sqrt",
                         "RandomForestRegressor": 1.0, "ExtraTreesRegressor": 1.0,
                         "GradientBoostingClassifier": None, "GradientBoostingRegressor": None},
    "sklearn.tree": {"DecisionTreeClassifier": "sqrt", "DecisionTreeRegressor": None,
                     "ExtraTreeClassifier": "sqrt", "ExtraTreeRegressor": 1.0},
}


def _auto_max_features(cls, meaning) -> None:
    orig = getattr(cls, "fit", None)   # often inherited (BaseForest.fit): patched on cls itself
    if orig is None or getattr(orig, "_jqlite_legacy", False):
        return

    @functools.wraps(orig)
    def fit(self, *args, **kwargs):
        if getattr(self, "max_features", None) == "auto":
            used(f"{cls.__name__}(max_features='auto')", f"max_features={meaning!r}", "scikit-learn")
            self.max_features = meaning
        return orig(self, *args, **kwargs)
    fit._jqlite_legacy = True  # type: ignore[attr-defined]
    cls.fit = fit


def install_sklearn() -> None:
    """Serve the removed scikit-learn names of :data:`_SKLEARN_NAMES` to user code
    (``from sklearn.preprocessing import Imputer``) and ``max_features='auto'`` of the tree
    ensembles (:data:`_SKLEARN_AUTO_MAX_FEATURES`, the meaning it had), warning once per run.
    Imports the scikit-learn modules concerned (call it only for strategies that mention
    them)."""
    import importlib
    for modname, names in _SKLEARN_NAMES.items():
        try:
            mod = importlib.import_module(modname)
        except ImportError:  # scikit-learn not installed: the import error says which extra
            return
        _module_getattr(mod, names, modname, "scikit-learn")
    for modname, classes in _SKLEARN_AUTO_MAX_FEATURES.items():
        mod = importlib.import_module(modname)
        for name, meaning in classes.items():
            _auto_max_features(getattr(mod, name), meaning)


def _user_on_stack(limit: int = 30) -> bool:
    f = sys._getframe(2)
    for _ in range(limit):
        if f is None:
            return False
        if is_user_file(f.f_code.co_filename):
            return True
        f = f.f_back
    return False


def _one_sample(X):
    """``X`` as one row (``(1, n)``) when it is a 1-D dense input given from user code while
    a Python 2 strategy runs (``run._sklearn_1d``), else None."""
    from ..api._binding import run_or_none
    run = run_or_none()
    if run is None or not getattr(run, "_sklearn_1d", False) or hasattr(X, "tocsr"):
        return None
    if not isinstance(X, (list, tuple, np.ndarray, pd.Series)) or not _user_on_stack():
        return None
    try:
        a = np.asarray(X)
    except Exception:  # noqa: BLE001 - let scikit-learn say what is wrong
        return None
    if a.ndim != 1 or a.dtype == object:
        return None
    used("a 1-D X given to a scikit-learn estimator (one sample)", "X.reshape(1, -1)",
         "scikit-learn (0.19)")
    return a.reshape(1, -1)


def install_sklearn_1d() -> None:
    """scikit-learn < 0.19 as on JoinQuant's Python 2: a 1-D ``X`` given to an estimator
    (``clf.predict([1.0, 2.0, 3.0])``) was taken as **one sample** (``np.atleast_2d``,
    shape ``(1, n)``) with a DeprecationWarning; 0.19 made it a ValueError.  Patches
    ``check_array`` and ``_check_n_features`` of ``sklearn.utils.validation`` (which
    ``validate_data`` calls) so that, for calls made from user code while a Python 2
    strategy runs (``run._sklearn_1d``), a 1-D dense input with ``ensure_2d`` is one row
    (once-per-run warning).  Any other caller sees scikit-learn unchanged."""
    try:
        from sklearn.utils import validation
    except ImportError:  # scikit-learn not installed: the import error says which extra
        return
    orig = validation.check_array
    if getattr(orig, "_jqlite_legacy", False):
        return

    @functools.wraps(orig)
    def check_array(array, *args, **kwargs):
        if kwargs.get("ensure_2d", True):
            row = _one_sample(array)
            if row is not None:
                array = row
        return orig(array, *args, **kwargs)
    check_array._jqlite_legacy = True  # type: ignore[attr-defined]
    validation.check_array = check_array
    orig_n = getattr(validation, "_check_n_features", None)
    if orig_n is not None:
        @functools.wraps(orig_n)
        def _check_n_features(estimator, X, reset):
            row = _one_sample(X)
            return orig_n(estimator, X if row is None else row, reset)
        validation._check_n_features = _check_n_features


# ---------------------------------------------------------------------------- nuisance columns

_NUMERIC_REDUCTIONS = ("sum", "mean", "median", "std", "var", "prod", "sem", "skew", "kurt")


def _has_non_numeric(gb) -> bool:
    from pandas.core.groupby.generic import DataFrameGroupBy
    if not isinstance(gb, DataFrameGroupBy):
        return False
    obj = getattr(gb, "_obj_with_exclusions", None)
    if not isinstance(obj, pd.DataFrame):
        return False
    return any(not (pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t))
               for t in obj.dtypes)


def _numeric_fallback(cls: type, name: str, group: bool = False) -> None:
    """pandas < 2 dropped non-numeric ("nuisance") columns in reductions such as
    ``df.groupby('code').sum()`` on a frame with a date column; pandas 2 raises TypeError.
    Wrap ``cls.name``: when *user code* calls it without ``numeric_only`` and it raises
    TypeError, retry with ``numeric_only=True`` (warning once).  Calls that work are
    untouched; library calls keep raising."""
    orig = cls.__dict__.get(name)
    if orig is None or getattr(orig, "_jqlite_legacy", False):
        return

    @functools.wraps(orig)
    def wrapper(self, *args, **kwargs):
        if group and "numeric_only" not in kwargs and _has_non_numeric(self) and _caller_is_user(2):
            # pandas < 2: DataFrameGroupBy reductions defaulted to numeric_only=True (text
            # columns dropped, not concatenated by sum nor raising in mean)
            used(f"DataFrameGroupBy.{name}() dropping non-numeric columns",
                 f".{name}(numeric_only=True)")
            kwargs["numeric_only"] = True
            return orig(self, *args, **kwargs)
        try:
            return orig(self, *args, **kwargs)
        except TypeError:
            if "numeric_only" in kwargs or not _caller_is_user(2):
                raise
            used(f"{cls.__name__}.{name}() over non-numeric columns",
                 f".{name}(numeric_only=True)")
            kwargs["numeric_only"] = True
            return orig(self, *args, **kwargs)

    wrapper._jqlite_legacy = True  # type: ignore[attr-defined]
    setattr(cls, name, wrapper)


_MERGE_MARK = "\x00jqlite-merge\x00"


def _merge_allowing_duplicates(call, suffixes, args, kwargs):
    """Redo a merge whose suffixed names collide with existing columns, as pandas < 2 did
    (duplicate column names, a FutureWarning since 1.2; pandas 2 raises MergeError): merge
    with marked suffixes, then drop the marks."""
    sx, sy = suffixes if suffixes is not None else ("_x", "_y")
    kwargs = dict(kwargs, suffixes=((sx or "") + _MERGE_MARK, (sy or "") + _MERGE_MARK))
    out = call(*args, **kwargs)
    out.columns = [c.replace(_MERGE_MARK, "") if isinstance(c, str) else c for c in out.columns]
    return out


_AMBIGUOUS = "is both an index level and a column label"


def _column_over_level(obj):
    """``obj`` with the names of its index levels that are also column labels cleared (a
    shallow copy; ``obj`` itself when nothing clashes or it is no DataFrame): a merge key
    then means the column, as pandas 0.21-0.25 resolved it (with a FutureWarning "Defaulting
    to column, but this will raise an ambiguity error in a future version"; pandas >= 1.0
    raises ValueError)."""
    if not isinstance(obj, pd.DataFrame):
        return obj
    cols = set(c for c in obj.columns if isinstance(c, str))
    names = list(obj.index.names)
    if not any(n in cols for n in names if isinstance(n, str)):
        return obj
    out = obj.copy(deep=False)
    out.index = out.index.set_names([None if isinstance(n, str) and n in cols else n for n in names])
    return out


def _merge_as_old_pandas(exc: ValueError, what: str, call, left, right, args, kwargs):
    """The answer old pandas gave to a user merge ``call(left, right, *args, **kwargs)`` that
    pandas 2 refused with ``exc``: duplicate column names from the suffixes kept (pandas < 2),
    or a key that is both an index level and a column label meaning the column (pandas < 1.0).
    Any other error is raised again.  ``what`` names the call in the run's legacy notes."""
    from pandas.errors import MergeError
    if isinstance(exc, MergeError) and "duplicate columns" in str(exc):
        used(f"{what} creating duplicate column names", "suffixes that make the names unique")
        return _merge_allowing_duplicates(lambda *a, **k: call(left, right, *a, **k),
                                          kwargs.pop("suffixes", None), args, kwargs)
    if _AMBIGUOUS in str(exc):
        used(f"{what} on a key that is both an index level and a column label",
             "df.rename_axis(None) before the merge (pandas < 1.0 used the column)")
        return call(_column_over_level(left), _column_over_level(right), *args, **kwargs)
    raise exc


def _merge_fallback() -> None:
    """``DataFrame.merge`` / ``pd.merge`` from *user code*: a merge whose suffixes create
    duplicate column names gives those duplicates, as pandas < 2 did, instead of pandas 2's
    MergeError (warning once); a merge key that is both an index level name and a column label
    of a frame means the column, as pandas < 1.0 resolved it (pandas >= 1.0: ValueError; an
    empty frame merged with ``left_on=``/``right_index=True`` takes the right frame's named
    index, so a chain of such merges on an empty selection met it).  Merges that work are
    untouched; library calls keep raising."""
    D = pd.DataFrame
    orig_m = D.__dict__.get("merge")
    if orig_m is not None and not getattr(orig_m, "_jqlite_legacy", False):
        @functools.wraps(orig_m)
        def merge(self, right, *args, **kwargs):
            try:
                return orig_m(self, right, *args, **kwargs)
            except ValueError as exc:
                if not _caller_is_user(2):
                    raise
                return _merge_as_old_pandas(exc, "DataFrame.merge()", orig_m, self, right, args, kwargs)
        merge._jqlite_legacy = True  # type: ignore[attr-defined]
        D.merge = merge
    orig_f = pd.merge
    if not getattr(orig_f, "_jqlite_legacy", False):
        @functools.wraps(orig_f)
        def pd_merge(left, right, *args, **kwargs):
            try:
                return orig_f(left, right, *args, **kwargs)
            except ValueError as exc:
                if not _caller_is_user(2):
                    raise
                return _merge_as_old_pandas(exc, "pd.merge()", orig_f, left, right, args, kwargs)
        pd_merge._jqlite_legacy = True  # type: ignore[attr-defined]
        pd.merge = pd_merge


# ---------------------------------------------------------------------------- set indexers

def _sorted_list(key):
    try:
        return sorted(key)
    except TypeError:  # pragma: no cover - mixed types
        return sorted(key, key=repr)


def _set_key(key):
    """A set (or a tuple holding one) as a sorted list: pandas < 2 accepted ``s[set(...)]``
    (in set order, arbitrary); sorted keeps runs deterministic."""
    t = type(key)
    if t is set or t is frozenset:
        return _sorted_list(key), True
    if t is tuple and any(type(k) in (set, frozenset) for k in key):
        return tuple(_sorted_list(k) if type(k) in (set, frozenset) else k for k in key), True
    return key, False


#: pandas 2.x's warning for ``ser[int]`` on a non-integer index (pandas/core/series.py, GH#50617).
_POSITIONAL_GETITEM = ("Series.__getitem__ treating keys as positions is deprecated. "
                       "In a future version, integer keys will always be treated "
                       "as labels (consistent with DataFrame behavior). To access "
                       "a value by position, use `ser.iloc[pos]`")
#: pandas < 3 falls back to positions for ``ser[int]`` (pandas 3 treats it as a label).
_PD_POSITIONAL = int(pd.__version__.split(".")[0]) < 3


_POSITIONAL_SETITEM = ("Series.__setitem__ treating keys as positions is deprecated. "
                       "In a future version, integer keys will always be treated "
                       "as labels (consistent with DataFrame behavior). To set "
                       "a value by position, use `ser.iloc[pos] = value`")


def _fast_positional_set(ser: pd.Series, key, value) -> bool:
    """``ser[i] = x`` (``i`` a position: a dates index) written straight into the values
    when that is exactly what pandas 2.x would end with; False to let pandas do it.

    JoinQuant files write ``df[code][0] = x`` for every column of a wide ``history()``
    frame (corpus d17b6b6e: 3,000 codes a day).  pandas 2.x answers the chained assignment
    by splitting the frame's block per written column and then, on each later write, reading
    the dtypes of all columns (``_is_mixed_type``): quadratic, ~1 ms a write at 3,000
    columns.  Here the value goes into the float64 array in place -- the Series' values are
    the frame's own memory (checked), so the frame sees it, as the pandas of JoinQuant's era
    did -- with pandas' positional FutureWarning.  Only for a real, non-bool number into a
    writeable float64 Series without copy-on-write; anything else goes through pandas."""
    if not _PD_POSITIONAL or pd.options.mode.copy_on_write:
        return False
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return False
    vals = ser._values
    if type(vals) is not np.ndarray or vals.dtype != np.float64 or not vals.flags.writeable \
            or not ser.index._should_fallback_to_positional:
        return False
    n = len(vals)
    if not -n <= key < n:
        return False
    cacher = getattr(ser, "_cacher", None)
    if cacher is not None:
        frame = cacher[1]()
        if frame is None:
            return False
        try:
            loc = frame.columns.get_loc(cacher[0])
            col = frame._mgr.iget_values(loc) if isinstance(loc, (int, np.integer)) else None
        except Exception:
            return False
        if col is None or not (col.__array_interface__["data"][0] == vals.__array_interface__["data"][0]
                               and col.strides == vals.strides and len(col) == n):
            return False
    f = sys._getframe(2)
    if f.f_globals.get("__name__", "").startswith("pandas"):
        return False
    warnings.warn(_POSITIONAL_SETITEM, FutureWarning, stacklevel=3)
    vals[key] = value
    return True


def _set_indexer(cls: type, name: str, label: str) -> None:
    orig = getattr(cls, name)
    if getattr(orig, "_jqlite_legacy", False):
        return
    if name == "__getitem__" and cls is pd.Series:
        @functools.wraps(orig)
        def wrapper(self, key):
            tk = type(key)
            if _PD_POSITIONAL and (tk is int or isinstance(key, np.integer)) \
                    and self.index._should_fallback_to_positional:
                # ``df['close'][-1]`` on a dates index, the commonest JoinQuant idiom: what
                # pandas 2.x does (FutureWarning, then the value by position) without its
                # find_stack_level() walk of the stack, which cost more than the rest of the
                # lookup; the warning names the caller's line, as pandas' does for user code
                f = sys._getframe(1)
                n = len(self)
                if -n <= key < n and not f.f_globals.get("__name__", "").startswith("pandas"):
                    warnings.warn(_POSITIONAL_GETITEM, FutureWarning, stacklevel=2)
                    return self._values[key]
                # out of range: pandas' own path raises its IndexError (from pandas, as on
                # JoinQuant, so the traceback does not end in jqlite)
            elif tk in (set, frozenset, tuple):
                key2, hit = _set_key(key)
                if hit and _caller_is_user(2):
                    used(f"{label}[set]", f"{label}[sorted(the_set)]")
                    key = key2
            return orig(self, key)
    elif name == "__setitem__" and cls is pd.Series:
        @functools.wraps(orig)
        def wrapper(self, key, value):
            tk = type(key)
            if (tk is int or isinstance(key, np.integer)) and _fast_positional_set(self, key, value):
                return
            if tk in (set, frozenset, tuple):
                key2, hit = _set_key(key)
                if hit and _caller_is_user(2):
                    used(f"{label}[set]", f"{label}[sorted(the_set)]")
                    key = key2
            return orig(self, key, value)
    elif name == "__getitem__":
        @functools.wraps(orig)
        def wrapper(self, key):
            if type(key) in (set, frozenset, tuple):
                key2, hit = _set_key(key)
                if hit and _caller_is_user(2):
                    used(f"{label}[set]", f"{label}[sorted(the_set)]")
                    key = key2
            return orig(self, key)
    else:
        @functools.wraps(orig)
        def wrapper(self, key, value):
            if type(key) in (set, frozenset, tuple):
                key2, hit = _set_key(key)
                if hit and _caller_is_user(2):
                    used(f"{label}[set]", f"{label}[sorted(the_set)]")
                    key = key2
            return orig(self, key, value)
    wrapper._jqlite_legacy = True  # type: ignore[attr-defined]
    setattr(cls, name, wrapper)


_INSTALLED = False


def install() -> None:
    """Restore the legacy names (idempotent).  Called by :func:`jqlite.strategy.load_strategy`
    and by jqlite's research mode; see the module docstring for the scope of the change."""
    global _INSTALLED
    if _INSTALLED:
        return
    S, D = pd.Series, pd.DataFrame
    _add(S, "sort", _series_sort, "s.sort_values(inplace=True)")
    _add(S, "order", _series_order, "s.sort_values()")
    _add(D, "sort", _frame_sort, "df.sort_values(by=...) / df.sort_index()")
    for cls in (S, D):
        _add(cls, "ix", _ix, ".loc[...] (labels) or .iloc[...] (positions)", prop=True)
        _add(cls, "iteritems", _iteritems, ".items()")
        _add(cls, "mad", _mad, "(x - x.mean()).abs().mean()")
        _add(cls, "as_matrix", _as_matrix, ".to_numpy()")
    _add(D, "append", _frame_append, "pd.concat([df, other])")
    _add(S, "append", _series_append, "pd.concat([s, other])")
    _add(S, "valid", _valid, "s.dropna()")
    _add(D, "get_value", _frame_get_value, "df.at[row, col]")
    _add(D, "set_value", _frame_set_value, "df.at[row, col] = v")
    _add(S, "get_value", _series_get_value, "s.at[label]")
    _add(S, "set_value", _series_set_value, "s.at[label] = v")
    _add(D, "lookup", _lookup, "df.to_numpy()[rows, cols]")
    _add(D, "to_panel", _frame_to_panel, "df.unstack(level=1) (dates x (field, code) columns)")
    _add(S, "nonzero", _nonzero, "np.nonzero(s.to_numpy())")
    if not getattr(D.sort_index, "_jqlite_legacy", False):
        D.sort_index = _frame_sort_index
    from pandas.core.groupby.generic import DataFrameGroupBy
    from pandas.core.groupby.groupby import GroupBy
    for name in _NUMERIC_REDUCTIONS:
        _numeric_fallback(D, name)
        _numeric_fallback(GroupBy, name, group=True)
    del DataFrameGroupBy
    from pandas.core.indexing import _LocIndexer
    for cls, label in ((S, "Series"), (D, "DataFrame"), (_LocIndexer, ".loc")):
        _set_indexer(cls, "__getitem__", label)
        _set_indexer(cls, "__setitem__", label)
    _merge_fallback()
    _stats_modules()
    _module_getattr(np, _NP_NAMES, "numpy")
    _INSTALLED = True


#: Every name :func:`install` restores (for documentation and tests).
RESTORED = {
    "Series": ["sort", "order", "ix", "iteritems", "mad", "as_matrix", "append", "valid",
               "get_value", "set_value", "nonzero"],
    "DataFrame": ["sort", "sort_index(by=)", "ix", "iteritems", "mad", "as_matrix", "append",
                  "get_value", "set_value", "lookup", "to_panel"],
    "pandas": sorted(set(_pd_names()) | {"stats"}),
    "numpy": sorted(_NP_NAMES),
    "sklearn.preprocessing": sorted(_SKLEARN_NAMES["sklearn.preprocessing"]),
}
