"""pandas.Panel indexing on the frames jqlite returns where JoinQuant returned a Panel.

On JoinQuant (pandas 0.2x), ``get_price(codes, fields=[...])`` (``panel=True``, the default)
and ``get_fundamentals_continuously(q, ...)`` returned a ``pandas.Panel``: items = fields,
major axis = dates, minor axis = codes.  pandas 1.0 removed Panel; jqlite returns a
DataFrame with (field, code) column MultiIndex, so that ``p['close']`` is still the dates x
codes frame.  :class:`PanelFrame` is that DataFrame plus the Panel accessors old files use:

===============================  =============================================================
``p.iloc[i, j, k]`` / ``p.loc``  positions / labels on (items, major, minor); a scalar drops
                                 its axis: ``p.iloc[:, 0, :]`` is the first date's codes x fields
                                 frame, ``p.loc['close', :, code]`` a Series over dates
``p.major_xs(date)``             codes x fields frame of one date (``p.iloc[:, j, :]``)
``p.minor_xs(code)``             dates x fields frame of one code
``p.major_axis`` / ``minor_axis`` the dates / the codes
===============================  =============================================================

Results follow pandas 0.25's Panel: with one scalar key the frame is (remaining major or
minor axis) x items — ``Panel.xs`` put the items in the columns.  Two-key ``.iloc``/``.loc``
and every DataFrame operation are the DataFrame's own.  The first three-key use in a run
writes one log warning (legacy idiom).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _is_scalar_key(k) -> bool:
    return not isinstance(k, (slice, list, tuple, np.ndarray, pd.Index, pd.Series))


def _positions(axis: pd.Index, key, positional: bool):
    """(positions, scalar?) of ``key`` on ``axis``."""
    n = len(axis)
    if positional:
        if _is_scalar_key(key):
            return int(np.arange(n)[key]), True
        if isinstance(key, slice):
            return np.arange(n)[key], False
        arr = np.asarray(key)
        if arr.dtype == bool:
            return np.flatnonzero(arr), False
        return np.arange(n)[arr.astype(int)], False
    if _is_scalar_key(key):
        loc = axis.get_loc(key)
        if isinstance(loc, slice):
            return np.arange(n)[loc], False
        if isinstance(loc, np.ndarray):
            return np.flatnonzero(loc), False
        return int(loc), True
    if isinstance(key, slice):
        return np.arange(n)[axis.slice_indexer(key.start, key.stop, key.step)], False
    arr = np.asarray(key)
    if arr.dtype == bool:
        return np.flatnonzero(arr), False
    pos = axis.get_indexer(list(key))
    if (pos < 0).any():
        missing = [k for k, p in zip(key, pos) if p < 0]
        raise KeyError(f"{missing} not in the panel's axis")
    return pos, False


class _PanelIndexer:
    """``.iloc`` / ``.loc`` of a :class:`PanelFrame`: three keys index the Panel's axes;
    anything else is the DataFrame's own indexer."""

    def __init__(self, frame: "PanelFrame", name: str):
        self._frame = frame
        self._name = name
        self._base = getattr(pd.DataFrame, name).fget(frame)

    def __getitem__(self, key):
        if isinstance(key, tuple) and len(key) == 3:
            return self._frame._panel_take(key, self._name == "iloc")
        return self._base[key]

    def __setitem__(self, key, value):
        self._base[key] = value

    def __call__(self, *args, **kwargs):
        return self._base(*args, **kwargs)

    def __getattr__(self, attr):
        return getattr(self._base, attr)


class PanelFrame(pd.DataFrame):
    """DataFrame with (field, code) column MultiIndex that also indexes like JoinQuant's
    Panel (see the module docstring).  Derived frames are plain DataFrames."""

    _metadata: list[str] = []

    @property
    def _constructor(self):
        return pd.DataFrame

    # ------------------------------------------------------------------ Panel axes
    @property
    def major_axis(self) -> pd.Index:
        """The dates (Panel's major axis)."""
        return self.index

    @property
    def minor_axis(self) -> pd.Index:
        """The codes (Panel's minor axis)."""
        return self.columns.get_level_values(1).unique()

    def _items(self) -> pd.Index:
        return self.columns.get_level_values(0).unique()

    def _cube(self) -> np.ndarray:
        items, minor = self._items(), self.minor_axis
        full = pd.MultiIndex.from_product([items, minor])
        vals = pd.DataFrame(self).reindex(columns=full).to_numpy()
        return vals.reshape(len(self.index), len(items), len(minor)).transpose(1, 0, 2)

    def _panel_take(self, key, positional: bool):
        from .legacy import used
        used("Panel indexing p.iloc/loc[items, major, minor]",
             "p[field] (dates x codes) or get_price(..., panel=False)")
        axes = [self._items(), self.index, self.minor_axis]
        sel = [_positions(ax, k, positional) for ax, k in zip(axes, key)]
        cube = self._cube()
        idx = tuple(p if s else np.asarray(p, dtype=int) for p, s in sel)
        sub = cube[np.ix_(*[np.atleast_1d(i) for i in idx])]
        scalars = [s for _, s in sel]
        labels = [ax[np.atleast_1d(p)] for ax, (p, _) in zip(axes, sel)]
        sub = sub[tuple(0 if s else slice(None) for s in scalars)]
        items, major, minor = labels
        if not any(scalars):
            cols = pd.MultiIndex.from_product([items, minor])
            data = sub.transpose(1, 0, 2).reshape(len(major), len(items) * len(minor))
            return PanelFrame(data, index=major, columns=cols).infer_objects()
        if scalars == [True, False, False]:
            return pd.DataFrame(sub, index=major, columns=minor).infer_objects()
        if scalars == [False, True, False]:
            return pd.DataFrame(sub.T, index=minor, columns=items).infer_objects()
        if scalars == [False, False, True]:
            return pd.DataFrame(sub.T, index=major, columns=items).infer_objects()
        if sum(scalars) == 2:
            keep = scalars.index(False)
            name = [k for k, s in zip(key, scalars) if s]
            return pd.Series(sub, index=labels[keep], name=name[-1]).infer_objects()
        return sub.item() if hasattr(sub, "item") else sub

    @property
    def iloc(self):  # type: ignore[override]
        return _PanelIndexer(self, "iloc")

    @property
    def loc(self):  # type: ignore[override]
        return _PanelIndexer(self, "loc")

    def major_xs(self, key) -> pd.DataFrame:
        """Codes x fields frame of the date ``key`` (Panel.major_xs)."""
        return self._panel_take((slice(None), key, slice(None)), False)

    def minor_xs(self, key) -> pd.DataFrame:
        """Dates x fields frame of the code ``key`` (Panel.minor_xs)."""
        return self._panel_take((slice(None), slice(None), key), False)


def as_panel(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (columns a (field, code) MultiIndex) as a :class:`PanelFrame`; other frames
    unchanged."""
    if isinstance(df.columns, pd.MultiIndex) and df.columns.nlevels == 2 and not isinstance(df, PanelFrame):
        return PanelFrame(df)
    return df
