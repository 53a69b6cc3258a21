"""How a daily-bar file's columns map to jqlite's names and units, and the ``--format`` registry.

Each format module of :mod:`jqlite.data.formats` registers its presets here with
:func:`register`; :func:`load_mapping` builds a mapping from a preset name plus a TOML/JSON file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ...errors import DataValidationError

# --------------------------------------------------------------------------------------
# Column mapping and file reading
# --------------------------------------------------------------------------------------

@dataclass
class ColumnMapping:
    """How the columns of a daily-bar file map to jqlite's names and units.

    Every attribute naming a column holds the *source* column name; ``None`` means the
    file has no such column (then the value is derived, see ``docs/data-import.md``).

    Attributes
    ----------
    date, code : str
        Date and security-code columns.  ``code=None``: one security per file, the code is
        taken from the file name (``sh600000.csv``, ``600000.XSHG.parquet`` ...).
    open, high, low, close : str
        Raw (unadjusted) prices.
    volume : str
        Traded volume.
    money : str or None
        Traded value.  ``None``: money is set to 0 (documented, never estimated).
    pre_close : str or None
        Previous close, ex-rights adjusted by the exchange.  ``None``: the previous row's
        close is used (then no ex-rights event or factor change can be derived).
    name : str or None
        The security's name on that day (used for ST flags and the names table).
    paused : str or None
        Suspension flag column; truthy = suspended.  With ``paused_invert=True`` the column
        is a trading flag instead (baostock ``tradestatus``: 1 = trading).  ``None``:
        a source row with ``volume == 0`` counts as suspended.
    paused_invert : bool
        See ``paused``.
    is_st : str or None
        ST flag column (baostock ``isST``).  ``None``: derived from ``name``.
    factor, high_limit, low_limit : str or None
        Use these source columns instead of deriving the values.
    price_scale : float
        Multiply prices by this to get yuan (0.01 for prices in fen, 0.001 for li).
    volume_scale : float
        Multiply volume by this to get shares (100 when volume is in lots of 100 shares).
    money_scale : float
        Multiply money by this to get yuan (1000 for tushare's thousand-yuan ``amount``).
    date_format : str or None
        ``strptime`` format of the date column (``'%Y%m%d'`` for ``20150105``); ``None`` lets
        pandas parse ISO-like dates.
    code_format : str
        ``'auto'`` (run :func:`normalize_code` on every distinct code) or ``'jq'`` (codes are
        already ``600000.XSHG`` -- skips conversion).
    """

    date: str = "date"
    code: str | None = "code"
    open: str = "open"
    high: str = "high"
    low: str = "low"
    close: str = "close"
    volume: str = "volume"
    money: str | None = "money"
    pre_close: str | None = None
    name: str | None = None
    paused: str | None = None
    paused_invert: bool = False
    is_st: str | None = None
    factor: str | None = None
    high_limit: str | None = None
    low_limit: str | None = None
    price_scale: float = 1.0
    volume_scale: float = 1.0
    money_scale: float = 1.0
    date_format: str | None = None
    code_format: str = "auto"

    # ---- presets (defined by the format modules; kept here for existing callers) -------
    @classmethod
    def jqlite(cls) -> "ColumnMapping":
        """jqlite/JoinQuant names (:func:`jqlite.data.formats.csv.jqlite_mapping`)."""
        return preset("jqlite")

    @classmethod
    def xbx(cls) -> "ColumnMapping":
        """邢不行 parquet/CSV as in ``daily/xbx`` (:func:`jqlite.data.formats.xbx.mapping`)."""
        return preset("xbx")

    @classmethod
    def xbx_csv(cls) -> "ColumnMapping":
        """Original 邢不行 CSV headers (:func:`jqlite.data.formats.xbx.csv_mapping`)."""
        return preset("xbx_csv")

    @classmethod
    def tushare(cls) -> "ColumnMapping":
        """tushare ``daily`` (:func:`jqlite.data.formats.tushare.mapping`)."""
        return preset("tushare")

    @classmethod
    def baostock(cls) -> "ColumnMapping":
        """baostock ``query_history_k_data_plus`` (:func:`jqlite.data.formats.baostock.mapping`)."""
        return preset("baostock")

    def source_columns(self) -> dict[str, str]:
        """jqlite name -> source column, for the columns this mapping reads."""
        keys = ("date", "code", "open", "high", "low", "close", "volume", "money", "pre_close",
                "name", "paused", "is_st", "factor", "high_limit", "low_limit")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


#: ``--format`` names of ``jqlite data import`` -> preset constructor.  Filled by the format
#: modules of :mod:`jqlite.data.formats` through :func:`register` (importing this module
#: imports the package, so every format is registered before a lookup).
MAPPING_PRESETS: dict[str, Callable[[], ColumnMapping]] = {}


def register(name: str, constructor: Callable[[], ColumnMapping]) -> None:
    """Register a ``--format`` preset: ``constructor()`` returns a fresh :class:`ColumnMapping`."""
    MAPPING_PRESETS[name] = constructor


def preset(name: str) -> ColumnMapping:
    """A fresh :class:`ColumnMapping` of the registered preset ``name``.

    Raises
    ------
    KeyError
        No format registered that name.
    """
    return MAPPING_PRESETS[name]()


def load_mapping(path: str | Path | None = None, preset: str = "csv") -> ColumnMapping:
    """A :class:`ColumnMapping` from a preset name, overridden by a TOML or JSON file.

    Parameters
    ----------
    path : path-like, optional
        ``.toml`` or ``.json`` file whose keys are :class:`ColumnMapping` attributes
        (``date = "trade_date"``, ``volume_scale = 100``, ``money = ""`` for "no such column").
        A key ``preset`` in the file replaces ``preset``.
    preset : str
        One of :data:`MAPPING_PRESETS` (``csv`` = the plain defaults: date, code, open ...).

    Returns
    -------
    ColumnMapping

    Raises
    ------
    DataValidationError
        Unreadable file, unknown preset or key (named), a value of the wrong type.
    """
    import dataclasses
    import json
    fields = {f.name: f for f in dataclasses.fields(ColumnMapping)}
    over: dict = {}
    if path is not None:
        p = Path(path)
        try:
            if p.suffix.lower() == ".toml":
                import tomllib
                over = tomllib.loads(p.read_text(encoding="utf-8"))
            elif p.suffix.lower() == ".json":
                over = json.loads(p.read_text(encoding="utf-8"))
            else:
                raise DataValidationError(str(p), None, None, "mapping file must be .toml or .json")
        except DataValidationError:
            raise
        except Exception as exc:  # OSError, TOMLDecodeError, JSONDecodeError
            raise DataValidationError(str(p), None, None, f"cannot read the mapping: {exc}") from None
        if not isinstance(over, dict):
            raise DataValidationError(str(p), None, None, "mapping must be a table of key = value")
        preset = over.pop("preset", preset)
    if preset not in MAPPING_PRESETS:
        raise DataValidationError(str(path or "--format"), None, None,
                                  f"unknown format {preset!r} (one of {sorted(MAPPING_PRESETS)})")
    m = MAPPING_PRESETS[preset]()
    for k, v in over.items():
        if k not in fields:
            raise DataValidationError(str(path), None, k, f"unknown mapping key {k!r} "
                                      f"(known: {', '.join(sorted(fields))})")
        cur = getattr(m, k)
        if isinstance(cur, bool) or k == "paused_invert":
            if not isinstance(v, bool):
                raise DataValidationError(str(path), None, k, f"{k} must be true or false, not {v!r}")
        elif k.endswith("_scale"):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise DataValidationError(str(path), None, k, f"{k} must be a positive number, not {v!r}")
            v = float(v)
        elif v is not None and not isinstance(v, str):
            raise DataValidationError(str(path), None, k, f"{k} must be a column name (text), not {v!r}")
        if isinstance(v, str) and v == "" and k not in ("date", "open", "high", "low", "close", "volume"):
            v = None
        setattr(m, k, v)
    return m
