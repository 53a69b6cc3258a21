"""Import daily bars into a jqlite store: users' own CSV/parquet files and the bundled real data.

Two entry points (the CLI wires them to ``jqlite data import``):

* :func:`import_bars_files` -- any CSV/parquet daily-bar layout, described by a
  :class:`ColumnMapping` (column names, code format, price/volume/money units, date format).
* :func:`import_real_data` -- the real A-share data set under ``shared/data/real``
  (xbx stock bars, TDX ETF bars, qlib index bars, qlib listing ranges and index
  constituents; see that folder's ``SOURCES.md``).

Both go through the same pipeline, whose steps are public so they can be tested and reused:

1. read + check every source file (:func:`read_bars_file`): errors name file, row, column;
2. :func:`densify_bars`: insert ``paused = 1`` rows for suspended days;
3. :func:`derive_factor`: cumulative post-adjustment factor from ``pre_close``;
4. :func:`derive_limits`: ``high_limit`` / ``low_limit`` from ``pre_close`` with the board,
   date and ST rules of :func:`limit_pct`;
5. :func:`st_intervals`, :func:`derive_xrxd`, :func:`names_table`: ST periods, ex-rights
   events and historical names;
6. :func:`jqlite.data.writer.write_store` validates everything again and writes atomically
   (a rejected import never touches an existing store).

Every rule is documented in ``docs/data-import.md``.  Units throughout: prices in yuan,
volume in shares, money in yuan.
"""

from __future__ import annotations

import glob as _glob
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from . import schema
from .calendar import check_against_calendar, xshg_trading_days
from .writer import write_store

__all__ = [
    "ColumnMapping", "normalize_code", "normalize_codes", "board_of", "security_type_of",
    "read_bars_file", "densify_bars", "derive_factor", "limit_pct", "derive_limits",
    "is_st_name", "clean_name", "st_intervals", "derive_xrxd", "check_xrxd_plausible", "names_table",
    "build_store_tables", "merge_intervals", "read_source", "import_bars_files", "import_real_data", "default_real_data_dir",
    "CHINEXT_REFORM_DATE", "FAR_FUTURE",
]

FAR_FUTURE = pd.Timestamp(schema.FAR_FUTURE)
#: First day of ChiNext's registration-system rules (±20 % limits, 5 limit-free IPO days).
CHINEXT_REFORM_DATE = pd.Timestamp("2020-08-24")
#: The day the Beijing Stock Exchange opened (its first stocks were transfers, not IPOs).
BSE_OPENING_DATE = pd.Timestamp("2021-11-15")
#: Default span of :func:`import_real_data` (the span of the xbx stock files).
REAL_START, REAL_END = "2015-01-05", "2022-01-14"

Progress = Callable[[str], None] | None

# --------------------------------------------------------------------------------------
# Security codes
# --------------------------------------------------------------------------------------

_EXCHANGES = {
    "SH": "XSHG", "SS": "XSHG", "SSE": "XSHG", "XSHG": "XSHG", "SHSE": "XSHG",
    "SZ": "XSHE", "SZSE": "XSHE", "XSHE": "XSHE",
    "BJ": "BJSE", "BSE": "BJSE", "BJSE": "BJSE",
}
_CODE_RE = re.compile(r"^(?:STOCK[_.\-])?(?:([A-Z]{2,4})[._:\-]?)?(\d{1,6})(?:[._:\-]?([A-Z]{2,4}))?$")


def _exchange_of_digits(d: str) -> str:
    """Exchange of a bare 6-digit code (stock/fund numbering plan)."""
    if d.startswith(("6", "5", "9")) and not d.startswith("92"):
        return "XSHG"          # 60x/68x stocks, 5xxxxx funds, 900xxx B shares
    if d.startswith(("4", "8", "92")):
        return "BJSE"          # 43x/83x/87x/88x NEEQ/BSE codes, 920xxx
    return "XSHE"              # 000/001/002/003/300/301, 15/16/18 funds, 200 B shares, 399 indexes


def normalize_code(code) -> str:
    """Convert a security code to JoinQuant form (``600000.XSHG``, ``000001.XSHE``, ``430047.BJSE``).

    Parameters
    ----------
    code : str or int
        Any of ``sh600000``, ``sh.600000``, ``SH600000``, ``600000.SH``, ``600000.ss``,
        ``600000.XSHG``, ``SZ000001``, ``sz.000001``, ``bj430047``, ``stock_sz_000001``, or a
        bare number (``000001``, ``600000``, or an int such as ``1`` whose leading zeros a
        CSV reader dropped).

    Returns
    -------
    str
        ``<6 digits>.<XSHG|XSHE|BJSE>``.  A bare number takes its exchange from the
        numbering plan: ``6``/``5``/``9`` (not ``92``) -> XSHG, ``4``/``8``/``92`` -> BJSE,
        anything else -> XSHE.  Note that a bare ``000001`` is therefore the Shenzhen stock
        (平安银行), not the Shanghai composite index; write ``sh000001`` for the index.

    Raises
    ------
    ValueError
        If the value is not a recognisable code.
    """
    if isinstance(code, (int, np.integer)):
        s = f"{int(code):06d}"
    else:
        s = str(code).strip().upper()
    m = _CODE_RE.match(s)
    if not m:
        raise ValueError(f"not a security code: {code!r}")
    pre, digits, post = m.groups()
    if pre and post:
        raise ValueError(f"not a security code: {code!r}")
    digits = digits.zfill(6)
    tag = pre or post
    if tag is None:
        exch = _exchange_of_digits(digits)
    elif tag in _EXCHANGES:
        exch = _EXCHANGES[tag]
    else:
        raise ValueError(f"unknown exchange {tag!r} in code {code!r}")
    return f"{digits}.{exch}"


def normalize_codes(values: Iterable, *, file: str = "<codes>", column: str = "code") -> np.ndarray:
    """Vectorised :func:`normalize_code` (each distinct value is converted once).

    Raises
    ------
    DataValidationError
        Naming ``file``, the first bad row and ``column``.
    """
    s = pd.Series(values)
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    out = []
    for j, u in enumerate(uniq):
        try:
            out.append(normalize_code(u))
        except ValueError as exc:
            row = int(np.flatnonzero(codes == j)[0])
            raise DataValidationError(file, row, column, str(exc)) from None
    if (codes < 0).any():
        raise DataValidationError(file, int(np.flatnonzero(codes < 0)[0]), column, "missing code")
    return np.asarray(out, dtype=object)[codes]


def board_of(code: str) -> str:
    """Board of a JoinQuant code (one of ``schema.BOARDS``), from the code prefix.

    ``688/689.XSHG`` star, other ``6xxxxx.XSHG`` sh_main, ``002/003.XSHE`` sme (the SME board,
    merged into the Shenzhen main board in 2021 but kept for history), ``300/301.XSHE``
    chinext, ``.BJSE`` bse, other ``0xxxxx.XSHE`` sz_main, ``5xxxxx.XSHG`` and
    ``15/16/18xxxx.XSHE`` fund, ``000xxx.XSHG`` and ``399xxx.XSHE`` index.
    """
    d, ex = code[:6], code[7:]
    if ex == "BJSE":
        return "bse"
    if ex == "XSHG":
        if d.startswith(("688", "689")):
            return "star"
        if d.startswith("6"):
            return "sh_main"
        if d.startswith("5"):
            return "fund"
        if d.startswith("000"):
            return "index"
        return "sh_main"
    if d.startswith(("300", "301")):
        return "chinext"
    if d.startswith(("002", "003")):
        return "sme"
    if d.startswith(("15", "16", "18")):
        return "fund"
    if d.startswith("399"):
        return "index"
    return "sz_main"


def security_type_of(code: str) -> str:
    """JoinQuant type string guessed from the code: ``index``, ``etf`` (any exchange fund) or ``stock``."""
    b = board_of(code)
    return {"index": "index", "fund": "etf"}.get(b, "stock")


# --------------------------------------------------------------------------------------
# Names and ST
# --------------------------------------------------------------------------------------

# Day markers exchanges prepend to a name: XD 除息, XR 除权, DR 除权除息 (ex-date);
# N first trading day, C days 2-5 of a registration-system IPO.  Stripped from display names.
_MARKER_RE = r"^(?:XD|XR|DR|N|C)(?=[^A-Za-z]|ST|S\*ST|SST|\*)"
_ST_RE = r"^(?:XD|XR|DR|N|C)?\s*(?:\*ST|ST|S\*ST|SST|\*)"


def clean_name(names: pd.Series) -> pd.Series:
    """Strip the daily markers XD/XR/DR (ex-date) and N/C (new listing) from names.

    ``'XD浦发银'`` -> ``'浦发银'``, ``'N利民'`` -> ``'利民'``, ``'XR*ST金'`` -> ``'*ST金'``,
    ``'TCL集团'`` is unchanged (a marker is stripped only before a non-Latin character or an
    ST prefix).
    """
    codes, cats = _factorize(names)
    cl = pd.Series(cats, dtype="string").str.replace(_MARKER_RE, "", regex=True)
    cl = cl.str.replace(r"^\*ST\s+", "*ST", regex=True).to_numpy(object)
    out = np.where(codes >= 0, cl[np.maximum(codes, 0)] if len(cl) else None, None)
    return pd.Series(out, index=getattr(names, "index", None), dtype=object)


def is_st_name(names: pd.Series) -> np.ndarray:
    """True where a daily name marks an ST stock.

    A name is ST when, after an optional XD/XR/DR/N/C day marker, it starts with ``ST``,
    ``*ST``, ``S*ST``, ``SST`` or a bare ``*`` (``'*欣泰'`` is ``*ST欣泰`` cut to 4
    characters by the source).  ``'S佳通'`` (S = share reform not done) is not ST.
    """
    codes, cats = _factorize(names)
    if not len(cats):
        return np.zeros(len(codes), bool)
    st = pd.Series(cats, dtype="string").str.contains(_ST_RE, regex=True).fillna(False).to_numpy(bool)
    return (codes >= 0) & st[np.maximum(codes, 0)]


def _factorize(values) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of a name column; code -1 = missing."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        return np.asarray(values.cat.codes if hasattr(values, "cat") else values.codes), \
            np.asarray(values.cat.categories if hasattr(values, "cat") else values.categories, dtype=object)
    codes, cats = pd.factorize(pd.Series(values).astype(object), use_na_sentinel=True)
    return np.asarray(codes), np.asarray(cats, dtype=object)


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

    # ---- presets -------------------------------------------------------------------
    @classmethod
    def jqlite(cls) -> "ColumnMapping":
        """jqlite/JoinQuant names: date, code, open, high, low, close, volume, money[, pre_close]."""
        return cls(pre_close="pre_close")

    @classmethod
    def xbx(cls) -> "ColumnMapping":
        """邢不行 (xbx) stock CSVs as stored in ``daily/xbx``: prices in fen, ``amount`` in yuan, daily ``name``."""
        return cls(money="amount", pre_close="pre_close", name="name", price_scale=0.01)

    @classmethod
    def xbx_csv(cls) -> "ColumnMapping":
        """Original 邢不行 CSV headers (交易日期, 股票代码 sh600000, 开盘价 ... in yuan, 成交量 in shares)."""
        return cls(date="交易日期", code="股票代码", open="开盘价", high="最高价", low="最低价",
                   close="收盘价", pre_close="前收盘价", volume="成交量", money="成交额",
                   name="股票名称")

    @classmethod
    def tushare(cls) -> "ColumnMapping":
        """tushare ``daily``: ts_code 600000.SH, trade_date 20150105, vol in lots, amount in thousand yuan."""
        return cls(date="trade_date", code="ts_code", volume="vol", money="amount",
                   pre_close="pre_close", volume_scale=100.0, money_scale=1000.0,
                   date_format="%Y%m%d")

    @classmethod
    def baostock(cls) -> "ColumnMapping":
        """baostock ``query_history_k_data_plus`` (adjustflag=3): sh.600000, preclose, tradestatus, isST."""
        return cls(money="amount", pre_close="preclose", paused="tradestatus",
                   paused_invert=True, is_st="isST")

    def source_columns(self) -> dict[str, str]:
        """jqlite name -> source column, for the columns this mapping reads."""
        keys = ("date", "code", "open", "high", "low", "close", "volume", "money", "pre_close",
                "name", "paused", "is_st", "factor", "high_limit", "low_limit")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


#: ``--format`` names of ``jqlite data import`` -> preset constructor.
MAPPING_PRESETS = {
    "jqlite": ColumnMapping.jqlite, "xbx": ColumnMapping.xbx, "xbx_csv": ColumnMapping.xbx_csv,
    "tushare": ColumnMapping.tushare, "baostock": ColumnMapping.baostock, "csv": ColumnMapping,
}


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


#: Canonical raw-bar columns produced by :func:`read_bars_file`.
RAW_COLUMNS = ("date", "code", "open", "high", "low", "close", "volume", "money", "pre_close",
               "name", "paused", "is_st", "factor", "high_limit", "low_limit", "_row")


def _fail(file: str, df_rows: np.ndarray, mask: np.ndarray, col: str, msg: str) -> None:
    if mask.any():
        pos = int(np.flatnonzero(mask)[0])
        raise DataValidationError(file, int(df_rows[pos]), col, msg)


def _csv_encoding(path: Path) -> str | None:
    """Encoding from a byte-order mark (UTF-16/UTF-8-sig), else None (try UTF-8 then GBK)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return None
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if head[:3] == b"\xef\xbb\xbf":
        return "utf-8-sig"
    return None


def read_source(path: str | Path, columns: Sequence[str] | None = None, str_cols: Sequence[str] = (),
                required: Sequence[str] = ()) -> pd.DataFrame:
    """Read one source file (CSV/TXT, optionally gzip/zip, or parquet) for an import.

    Any problem reading it becomes one :class:`DataValidationError` naming the file: missing
    or empty file, truncated/corrupt parquet, undecodable text, a CSV whose rows do not
    parse, a missing ``required`` column.  CSV text may be UTF-8 (with or without BOM),
    UTF-16 with a BOM, or GBK.

    Parameters
    ----------
    path : path-like
    columns : sequence of str, optional
        Read only these columns (those the file has).
    str_cols : sequence of str
        CSV columns kept as text (codes with leading zeros, dates).
    required : sequence of str
        Columns that must be present.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataValidationError
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise DataValidationError(file, None, None, "file not found")
    suf = "".join(path.suffixes[-2:]).lower()
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq
            try:
                have = pq.read_schema(path).names
                cols = None if columns is None else [c for c in columns if c in have]
                df = pd.read_parquet(path, columns=cols)
            except Exception as exc:  # pyarrow.ArrowInvalid, OSError ...
                raise DataValidationError(file, None, None, f"not a readable parquet file (truncated or "
                                          f"corrupt?): {type(exc).__name__}: {exc}") from None
        elif path.suffix.lower() in (".csv", ".txt") or suf.endswith((".csv.gz", ".csv.zip")):
            if path.stat().st_size == 0:
                raise DataValidationError(file, None, None, "empty file (no header, no rows)")
            dtype = {c: str for c in str_cols}
            use = (lambda c: columns is None or c in columns)
            enc = _csv_encoding(path)
            tries = [enc] if enc else ["utf-8", "gbk"]
            df = None
            for i, e in enumerate(tries):
                try:
                    df = pd.read_csv(path, dtype=dtype, usecols=use, encoding=e)
                    break
                except UnicodeError as exc:
                    if i == len(tries) - 1:
                        raise DataValidationError(file, None, None, f"cannot decode the text as "
                                                  f"{' or '.join(tries)} ({exc.reason} at byte {exc.start}); "
                                                  "save it as UTF-8") from None
                except pd.errors.EmptyDataError:
                    raise DataValidationError(file, None, None, "empty file (no header, no rows)") from None
                except pd.errors.ParserError as exc:
                    m = re.search(r"line (\d+)", str(exc))
                    row = int(m.group(1)) - 2 if m else None   # data rows are 0-based after the header
                    raise DataValidationError(file, row, None, f"malformed CSV: {exc}") from None
        else:
            raise DataValidationError(file, None, None, "unsupported file type (use .csv or .parquet)")
    except OSError as exc:
        raise DataValidationError(file, None, None, f"cannot read: {exc}") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataValidationError(file, None, missing[0], f"missing column(s) {missing} "
                                  f"(the file has {list(df.columns)[:8]})")
    return df


def _read_table(path: Path, columns: list[str] | None = None, str_cols: Sequence[str] = ()) -> pd.DataFrame:
    return read_source(path, columns, str_cols)


def _parse_dates(s: pd.Series, fmt: str | None, file: str, col: str) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(s):
        out = pd.to_datetime(s)
    else:
        if fmt is not None or pd.api.types.is_integer_dtype(s):
            src = s.astype(str) if pd.api.types.is_integer_dtype(s) else s
            out = pd.to_datetime(src, format=fmt or "%Y%m%d", errors="coerce")
        elif len(s) and not isinstance(s.iloc[0], str):
            out = pd.to_datetime(s, errors="coerce")  # datetime.date objects
        else:
            # parse each distinct string once (fast for long files)
            uniq = pd.unique(s.astype(object))
            with warnings.catch_warnings():
                # mixed/odd formats: each value is parsed alone; a bad one is reported below
                warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
                parsed = pd.to_datetime(pd.Series(uniq), errors="coerce")
            out = s.map(dict(zip(uniq, parsed)))
            out = pd.to_datetime(out)
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
    bad = out.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataValidationError(file, pos, col, f"not a date: {s.iloc[pos]!r}")
    return out.dt.normalize().to_numpy("datetime64[ns]")


def read_bars_file(path: str | Path, mapping: ColumnMapping | None = None, *,
                   calendar: pd.DatetimeIndex | None = None, code: str | None = None,
                   start=None, end=None, codes: Iterable[str] | None = None,
                   check_calendar: bool = True) -> pd.DataFrame:
    """Read one CSV/parquet daily-bar file into jqlite's raw-bar form and check it.

    Parameters
    ----------
    path : path-like
        A ``.csv`` (UTF-8 or GBK) or ``.parquet`` file.
    mapping : ColumnMapping, optional
        The file's layout; default ``ColumnMapping()`` (jqlite names).
    calendar : pandas.DatetimeIndex, optional
        Trading days; a row dated off the calendar is rejected.
    code : str, optional
        Code for a one-security file without a code column (default: from the file name).
    start, end : date-like, optional
        Keep only rows in ``[start, end]`` (after the checks on the whole file).
    codes : iterable of str, optional
        Keep only these JoinQuant codes.
    check_calendar : bool
        Whether to reject off-calendar dates (needs ``calendar``).

    Returns
    -------
    pandas.DataFrame
        Columns ``RAW_COLUMNS``: date (datetime64), code (JoinQuant form), open/high/low/close
        and pre_close in yuan (pre_close NaN when absent), volume in shares, money in yuan,
        name (or NA), paused (int8, -1 = unknown), is_st (int8, -1 = unknown), factor /
        high_limit / low_limit (NaN when absent) and ``_row``, the 0-based data row in the
        file (header not counted).  Sorted by code, date.

    Raises
    ------
    DataValidationError
        Naming the file, the row and the column: missing column, unparsable date or code,
        non-positive or missing price, negative or missing volume/money, ``high < low``,
        open/close outside ``[low, high]``, duplicate (code, date), date not a trading day.
    """
    path = Path(path)
    m = mapping or ColumnMapping()
    cols = m.source_columns()
    str_cols = [c for c in (m.code, m.name, m.date) if c is not None]
    df = _read_table(path, list(cols.values()), str_cols)
    if m.code is None and code is None:
        code = path.name.split(".")[0] if not re.match(
            r"^\d{6}\.[A-Za-z]{2,4}\.", path.name) else ".".join(path.name.split(".")[:2])
    return read_bars_frame(df, m, label=str(path), calendar=calendar, code=code, start=start, end=end,
                           codes=codes, check_calendar=check_calendar)


def read_bars_frame(df: pd.DataFrame, mapping: ColumnMapping | None = None, *, label: str = "<frame>",
                    calendar: pd.DatetimeIndex | None = None, code: str | None = None,
                    start=None, end=None, codes: Iterable[str] | None = None,
                    check_calendar: bool = True) -> pd.DataFrame:
    """Check a daily-bar frame already in memory and return jqlite's raw-bar form.

    The same checks and result as :func:`read_bars_file` (which reads a file and calls
    this), for frames a source library returned (``jqlite.data.sources``).

    Parameters
    ----------
    df : pandas.DataFrame
        Rows in the layout ``mapping`` describes.
    mapping : ColumnMapping, optional
    label : str
        Names the data in errors (a file path, or ``'tushare daily 600000.XSHG'``).
    calendar, code, start, end, codes, check_calendar
        As for :func:`read_bars_file`; ``code`` is required when ``mapping.code`` is None.

    Returns
    -------
    pandas.DataFrame
        :data:`RAW_COLUMNS`, sorted by code, date.

    Raises
    ------
    DataValidationError
        Naming ``label``, the 0-based row and the column of the first bad value.
    """
    file = label
    m = mapping or ColumnMapping()
    cols = m.source_columns()
    missing = [c for k, c in cols.items() if c not in df.columns]
    if missing:
        raise DataValidationError(file, None, missing[0], f"missing column(s) {missing}")
    n = len(df)
    if n == 0:
        # a header-only file would silently drop its security from the store
        raise DataValidationError(file, None, None, "no data rows (header only)")
    rows = np.arange(n, dtype=np.int64)
    out: dict[str, np.ndarray] = {"_row": rows}
    code_cat = None
    out["date"] = _parse_dates(df[m.date], m.date_format, file, m.date)
    if m.code is None:
        c = code
        try:
            if c is None:
                raise ValueError("no code given for a frame without a code column")
            out["code"] = np.full(n, normalize_code(c), dtype=object)
        except ValueError as exc:
            raise DataValidationError(file, None, None, f"no code column and {exc}") from None
    elif m.code_format == "jq":
        if isinstance(df[m.code].dtype, pd.CategoricalDtype):
            code_cat = df[m.code].array           # fast readers: codes stay dictionary-coded
            out["code"] = code_cat
        else:
            out["code"] = df[m.code].astype(object).to_numpy()
    else:
        out["code"] = normalize_codes(df[m.code].to_numpy(), file=file, column=m.code)

    def num(key: str, scale: float = 1.0) -> np.ndarray:
        col = cols[key]
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(np.float64)
        bad = np.isnan(v) & df[col].notna().to_numpy()
        _fail(file, rows, bad, col, f"not a number: {df[col].iloc[int(np.flatnonzero(bad)[0])]!r}"
              if bad.any() else "")
        if scale == 1.0:
            return v
        inv = 1.0 / scale
        if scale < 1.0 and abs(inv - round(inv)) < 1e-9:
            return v / round(inv)        # fen -> yuan: 1020 / 100 == 10.2 exactly, 1020 * 0.01 is not
        return v * scale

    for k in ("open", "high", "low", "close"):
        v = num(k, m.price_scale)
        _fail(file, rows, ~np.isfinite(v) | (v <= 0), cols[k], f"{k} must be a positive number")
        out[k] = v
    susp = np.zeros(n, bool)
    if m.paused:    # a suspended row may leave volume/money empty (baostock: tradestatus 0, volume '')
        p = pd.to_numeric(df[m.paused], errors="coerce").fillna(0).to_numpy() != 0
        susp = ~p if m.paused_invert else p
    for k, sc in (("volume", m.volume_scale), ("money", m.money_scale)):
        if k in cols:
            v = num(k, sc)
            v = np.where(np.isnan(v) & susp, 0.0, v)
            _fail(file, rows, ~np.isfinite(v) | (v < 0), cols[k], f"{k} must be >= 0")
            out[k] = v
        else:
            out[k] = np.zeros(n)
    if "pre_close" in cols:
        v = num("pre_close", m.price_scale)
        _fail(file, rows, v <= 0, cols["pre_close"], "pre_close must be positive")
        out["pre_close"] = v
    else:
        out["pre_close"] = np.full(n, np.nan)
    h, lo = out["high"], out["low"]
    tol = 1e-6
    _fail(file, rows, h < lo - 1e-9, cols["high"], "high < low")
    for k in ("open", "close"):
        v = out[k]
        _fail(file, rows, (v > h + tol) | (v < lo - tol), cols[k], f"{k} outside [low, high]")
    for k in ("factor", "high_limit", "low_limit"):
        if k in cols:
            v = num(k, 1.0 if k == "factor" else m.price_scale)
            if k == "factor":
                _fail(file, rows, ~np.isfinite(v) | (v <= 0), cols[k], "factor must be a positive number")
            out[k] = v
        else:
            out[k] = np.full(n, np.nan)
    if m.name and isinstance(df[m.name].dtype, pd.CategoricalDtype):
        out["name"] = df[m.name].array          # dictionary-coded (fast readers): stays coded
    elif m.name:
        out["name"] = df[m.name].astype(object).where(df[m.name].notna(), None).to_numpy()
    else:
        out["name"] = np.full(n, None, dtype=object)
    if m.paused:
        p = pd.to_numeric(df[m.paused], errors="coerce").fillna(0).to_numpy() != 0
        out["paused"] = (~p if m.paused_invert else p).astype(np.int8)
    else:
        out["paused"] = np.full(n, -1, np.int8)
    if m.is_st:
        out["is_st"] = (pd.to_numeric(df[m.is_st], errors="coerce").fillna(0).to_numpy() != 0).astype(np.int8)
    else:
        out["is_st"] = np.full(n, -1, np.int8)

    # duplicates (code, date)
    key = _code_date_key(code_cat if code_cat is not None else out["code"], out["date"])
    order = np.argsort(key, kind="stable")
    sk = key[order]
    dup = np.zeros(n, bool)
    dup[order[1:][sk[1:] == sk[:-1]]] = True
    _fail(file, rows, dup, m.date, "duplicate row for (code, date)")
    if calendar is not None and check_calendar:
        d = pd.DatetimeIndex(out["date"])
        off = ~d.isin(calendar)
        if start is not None:  # only the part we import must be on the calendar
            off &= d >= pd.Timestamp(start)
        if end is not None:
            off &= d <= pd.Timestamp(end)
        if off.any():
            pos = int(np.flatnonzero(off)[0])
            raise DataValidationError(file, pos, m.date, f"date is not an XSHG trading day ({d[pos].date()})")
    keep = np.ones(n, bool)
    if start is not None:
        keep &= out["date"] >= pd.Timestamp(start).to_datetime64()
    if end is not None:
        keep &= out["date"] <= pd.Timestamp(end).to_datetime64()
    if codes is not None:
        keep &= pd.Series(out["code"]).isin(set(codes)).to_numpy()
    order = order[keep[order]]          # sorted by (code, date), filtered
    return pd.DataFrame({c: out[c][order] for c in RAW_COLUMNS}, copy=False)


# --------------------------------------------------------------------------------------
# Dense bars
# --------------------------------------------------------------------------------------

def _code_date_key(codes, dates: np.ndarray) -> np.ndarray:
    """int64 key ordering rows by (code, date); ``codes`` an object array or a Categorical."""
    if isinstance(codes, pd.Categorical) and not codes.isna().any():
        cats = np.asarray(codes.categories, dtype=object)
        rank = np.empty(len(cats), np.int64)
        rank[np.argsort(cats, kind="stable")] = np.arange(len(cats))
        cid = rank[codes.codes] if len(cats) else np.zeros(len(codes), np.int64)
    else:
        cid, _ = pd.factorize(np.asarray(codes, dtype=object), sort=True)
    days = dates.astype("datetime64[D]").astype(np.int64)
    return cid.astype(np.int64) * 1_000_000 + (days - days.min() if len(days) else days)


def _group_bounds(cid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start/end masks of runs of equal ``cid`` (rows sorted by code)."""
    n = len(cid)
    first = np.ones(n, bool)
    first[1:] = cid[1:] != cid[:-1]
    last = np.ones(n, bool)
    last[:-1] = cid[1:] != cid[:-1]
    return first, last


def _fill_within(v: np.ndarray, gid: np.ndarray) -> np.ndarray:
    """Forward- then back-fill the -1 entries of integer codes ``v`` within groups ``gid``."""
    for rev in (False, True):
        a, g = (v[::-1], gid[::-1]) if rev else (v, gid)
        j = _ffill_idx(a >= 0)
        ok = (g[j] == g) & (a[j] >= 0)
        a = np.where(a >= 0, a, np.where(ok, a[j], -1))
        v = a[::-1] if rev else a
    return np.ascontiguousarray(v)


def _ffill_idx(valid: np.ndarray) -> np.ndarray:
    idx = np.where(valid, np.arange(len(valid)), 0)
    np.maximum.accumulate(idx, out=idx)
    return idx


def densify_bars(raw: pd.DataFrame, calendar: pd.DatetimeIndex,
                 spans: pd.DataFrame | None = None) -> pd.DataFrame:
    """Insert a suspended (``paused = 1``) row for every trading day a security has no row.

    Parameters
    ----------
    raw : pandas.DataFrame
        Raw bars (:data:`RAW_COLUMNS`), any order; dates must be on ``calendar``.
    calendar : pandas.DatetimeIndex
        Trading days, ascending.
    spans : pandas.DataFrame, optional
        Indexed by code with ``first``/``last`` dates: extend a security's rows to these
        days (e.g. a stock suspended from before the store's first day, or suspended until
        delisting).  Default: its first and last source row.

    Returns
    -------
    pandas.DataFrame
        One row per (code, trading day) from each security's first to last day, sorted by
        code, date.  Inserted rows: ``open = high = low = close =`` the last close (before
        the first source row: that row's ``pre_close``, else its open), ``pre_close`` = the
        same price, ``volume = money = 0``, ``paused = 1``, the name carried forward,
        ``_row = -1``.  A source row whose ``paused`` is unknown (-1) is paused when its
        volume is 0.
    """
    code_cat = raw["code"].array if isinstance(raw["code"].dtype, pd.CategoricalDtype) else None
    if code_cat is not None and code_cat.isna().any():
        code_cat = None
    key = _code_date_key(code_cat if code_cat is not None else raw["code"].to_numpy(object),
                         raw["date"].to_numpy("datetime64[ns]"))
    order = None if len(key) < 2 or (key[1:] > key[:-1]).all() else np.argsort(key, kind="stable")

    def col(c: str) -> np.ndarray:
        v = raw[c].to_numpy()
        return v if order is None else v[order]
    cal = pd.DatetimeIndex(calendar)
    ncal = len(cal)
    if code_cat is not None:                   # dictionary-coded: factorize the small ints
        cc = code_cat.codes if order is None else code_cat.codes[order]
        cid, ucc = pd.factorize(cc)
        codes_u = np.asarray(code_cat.categories, dtype=object)[ucc]
    else:
        cid, codes_u = pd.factorize(col("code"))   # rows are now sorted by code
    codes_u = np.asarray(codes_u, dtype=object)
    dates = col("date")
    di = cal.get_indexer(pd.DatetimeIndex(dates))
    if (di < 0).any():
        pos = int(np.flatnonzero(di < 0)[0])
        raise DataValidationError("<bars>", int(col("_row")[pos]), "date",
                                  f"date {pd.Timestamp(dates[pos]).date()} is not a trading day")
    nsec = len(codes_u)
    # raw is sorted by (code, date): each code's first/last row bound its span
    gfirst, glast = _group_bounds(cid)
    first_di = di[gfirst].astype(np.int64)
    last_di = di[glast].astype(np.int64)
    if spans is not None and len(spans):
        sp = spans.reindex(codes_u)
        f = cal.searchsorted(pd.DatetimeIndex(sp["first"]).fillna(cal[-1] + pd.Timedelta(days=1)))
        l_ = cal.searchsorted(pd.DatetimeIndex(sp["last"]).fillna(cal[0] - pd.Timedelta(days=1)), side="right") - 1
        has = sp["first"].notna().to_numpy()
        first_di = np.where(has, np.minimum(first_di, f), first_di)
        has = sp["last"].notna().to_numpy()
        last_di = np.where(has, np.maximum(last_di, np.minimum(l_, ncal - 1)), last_di)
    lengths = last_di - first_di + 1
    total = int(lengths.sum())
    g_cid = np.repeat(np.arange(nsec), lengths)
    offs = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    g_di = np.repeat(first_di, lengths) + (np.arange(total) - np.repeat(offs, lengths))
    pos = offs[cid] + (di - first_di[cid])
    src = np.zeros(total, bool)
    src[pos] = True

    out: dict[str, np.ndarray] = {}
    for c in ("open", "high", "low", "close", "volume", "money", "pre_close", "factor",
              "high_limit", "low_limit"):
        a = np.full(total, np.nan)
        a[pos] = col(c)
        out[c] = a
    for c, fill in (("paused", 1), ("is_st", -1), ("_row", -1)):
        a = np.full(total, fill, np.int64)
        a[pos] = col(c)
        out[c] = a
    # seed value at group starts that are inserted rows: the first source row's pre_close
    g_first, _ = _group_bounds(g_cid)
    first_src_row = np.searchsorted(cid, np.arange(nsec))  # position in raw of each code's first row
    seed = col("pre_close")[first_src_row]
    seed = np.where(np.isfinite(seed), seed, col("open")[first_src_row])
    close = out["close"]
    need = g_first & ~src
    close[need] = seed[g_cid[need]]
    idx = _ffill_idx(np.isfinite(close))
    last_close = close[idx]
    ins = ~src
    prev_close = np.empty(total)
    prev_close[1:] = last_close[:-1]
    prev_close[g_first] = np.nan
    for c in ("open", "high", "low", "close"):
        out[c][ins] = last_close[ins]
    pc = out["pre_close"]
    pc_ins = np.where(np.isnan(prev_close), last_close, prev_close)
    pc[ins] = pc_ins[ins]
    # source rows without a pre_close (files with no such column): the previous close, as
    # ColumnMapping documents; a security's first row keeps NaN (no limit, no factor step)
    miss = src & np.isnan(pc) & np.isfinite(prev_close)
    pc[miss] = prev_close[miss]
    out["volume"][ins] = 0.0
    out["money"][ins] = 0.0
    # source rows: paused unknown -> volume == 0
    unk = out["paused"] == -1
    out["paused"] = np.where(unk, (out["volume"] == 0).astype(np.int64), out["paused"]).astype(np.int8)
    # factor / limits given in the source: carry forward into inserted rows
    for c in ("factor",):
        a = out[c]
        if np.isfinite(a).any():
            j = _ffill_idx(np.isfinite(a))
            same = g_cid[j] == g_cid
            a[ins] = np.where(same[ins], a[j][ins], np.nan)
    # names: forward then backward fill within the security
    ncode, ncats = _factorize(raw["name"])
    if order is not None:
        ncode = ncode[order]
    nc = np.full(total, -1, np.int64)
    nc[pos] = ncode
    nc = _fill_within(nc, g_cid)
    nm = pd.Categorical.from_codes(nc, categories=pd.Index(ncats, dtype=object)) if len(ncats) else \
        pd.Categorical.from_codes(np.full(total, -1), categories=pd.Index(["?"]))
    res = pd.DataFrame({
        "date": cal.values[g_di],
        "code": codes_u[g_cid].astype(object),
        **{c: out[c] for c in ("open", "high", "low", "close", "volume", "money", "pre_close",
                               "high_limit", "low_limit", "factor")},
        "paused": out["paused"],
        "is_st": out["is_st"].astype(np.int8),
        "name": nm,
        "_row": out["_row"],
    }, copy=False)    # fresh arrays: no copy into one consolidated block
    # is_st unknown on inserted rows: carry forward the security's flag if the source gave one
    if (res["is_st"] >= 0).any():
        st = res["is_st"].to_numpy().astype(np.int64)
        j = _ffill_idx(st >= 0)
        ok = (g_cid[j] == g_cid) & (st[j] >= 0)
        res["is_st"] = np.where(st >= 0, st, np.where(ok, st[j], -1)).astype(np.int8)
    return res


# --------------------------------------------------------------------------------------
# Derivations on dense bars (sorted by code, date)
# --------------------------------------------------------------------------------------

def _prev_close(bars: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    code = bars["code"].to_numpy(object)
    first = np.ones(len(code), bool)
    first[1:] = code[1:] != code[:-1]
    close = bars["close"].to_numpy(np.float64)
    prev = np.empty_like(close)
    prev[0:1] = np.nan
    prev[1:] = close[:-1]
    prev[first] = np.nan
    return prev, first


def derive_factor(bars: pd.DataFrame) -> np.ndarray:
    """Cumulative post-adjustment (后复权) factor from ``pre_close``.

    ``factor = 1.0`` on each security's first row; on every later row
    ``factor_t = factor_{t-1} * close_{t-1} / pre_close_t`` (the ratio is 1 where pre_close is
    missing).  ``bars`` must be dense and sorted by code, date.

    Returns
    -------
    numpy.ndarray of float64
    """
    prev, first = _prev_close(bars)
    pc = bars["pre_close"].to_numpy(np.float64)
    ratio = np.where(~first & np.isfinite(pc) & (pc > 0) & np.isfinite(prev), prev / pc, 1.0)
    ratio = np.where(np.abs(ratio - 1.0) < 1e-12, 1.0, ratio)
    logr = np.log(ratio)
    cs = np.cumsum(logr)
    gid = np.cumsum(first) - 1
    base = (cs - logr)[first]          # cumulative sum before each group's first row
    f = np.exp(cs - base[gid])
    # exact 1.0 on rows before a security's first event
    f[np.abs(f - 1.0) < 1e-13] = 1.0
    return f


def limit_pct(boards: np.ndarray, dates: np.ndarray, is_st: np.ndarray) -> np.ndarray:
    """Daily price-limit fraction per row (NaN = no limit).

    ======================  ===========================================================
    board                   limit
    ======================  ===========================================================
    sh_main, sz_main, sme   10 %; 5 % while ST/*ST
    chinext (300/301)       10 % before 2020-08-24 (5 % while ST); 20 % from 2020-08-24
                            (ST included)
    star (688/689)          20 % (ST included)
    bse                     30 %
    fund (ETF)              10 %
    index                   none (NaN)
    ======================  ===========================================================
    """
    isb = _board_masks(boards)
    dates = np.asarray(dates, dtype="datetime64[ns]")
    st = np.asarray(is_st, bool)
    pct = np.full(len(dates), 0.10)
    main = isb("sh_main", "sz_main", "sme")
    pct[main & st] = 0.05
    chi = isb("chinext")
    new = dates >= CHINEXT_REFORM_DATE.to_datetime64()
    pct[chi & new] = 0.20
    pct[chi & ~new & st] = 0.05
    pct[isb("star")] = 0.20
    pct[isb("bse")] = 0.30
    pct[isb("index")] = np.nan
    return pct


def _board_masks(boards) -> Callable[..., np.ndarray]:
    """Fast ``np.isin(boards, names)`` for a long object array with few distinct values."""
    if isinstance(boards, pd.Categorical):       # already coded (build_store_tables)
        codes, uniq = boards.codes, np.asarray(boards.categories, dtype=object)
    else:
        codes, uniq = pd.factorize(np.asarray(boards, dtype=object))
        uniq = np.asarray(uniq, dtype=object)

    def isb(*names: str) -> np.ndarray:
        return np.isin(uniq, names)[codes] if len(uniq) else np.zeros(len(codes), bool)
    return isb


def _round_half_up(x: np.ndarray, tick: np.ndarray) -> np.ndarray:
    q = np.floor(x / tick + 0.5 + 1e-7)
    return np.round(q * tick, 4)


def derive_limits(bars: pd.DataFrame, boards: np.ndarray, is_st: np.ndarray,
                  ipo_dates: Mapping[str, pd.Timestamp] | pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Limit-up / limit-down prices from ``pre_close`` (exchange rule, rounded half up).

    ``high_limit = round(pre_close * (1 + p), tick)``, ``low_limit = round(pre_close * (1 - p), tick)``
    with ``p`` from :func:`limit_pct` and ``tick`` 0.01 yuan for stocks, 0.001 yuan for funds.
    No limit (NaN) for indexes, on a stock's IPO day, on the first five trading days of STAR
    IPOs and of ChiNext IPOs from 2020-08-24, and where ``pre_close`` is missing.

    Parameters
    ----------
    bars : pandas.DataFrame
        Dense bars sorted by code, date (date, code, pre_close).
    boards : array of str
        Board per row (``schema.BOARDS``).
    is_st : array of bool
        ST flag per row.
    ipo_dates : mapping code -> Timestamp, optional
        Listing (IPO) day of securities whose IPO falls inside the data; those days (and the
        limit-free days that follow) get NaN limits.

    Returns
    -------
    (high_limit, low_limit) : tuple of numpy.ndarray (yuan)
    """
    dates = bars["date"].to_numpy("datetime64[ns]")
    pct = limit_pct(boards, dates, is_st)
    pc = bars["pre_close"].to_numpy(np.float64)
    isb = _board_masks(boards)
    tick = np.where(isb("fund"), 0.001, 0.01)
    hi = _round_half_up(pc * (1 + pct), tick)
    lo = _round_half_up(pc * (1 - pct), tick)
    if ipo_dates is not None and len(ipo_dates):
        ipo = pd.Series(ipo_dates)
        ipo = ipo[ipo.notna()]
        code = bars["code"].to_numpy(object)
        # trading-day number since IPO within each security (rows are dense, grouped by code)
        first = np.ones(len(code), bool)
        first[1:] = code[1:] != code[:-1]
        cc = np.cumsum(first) - 1
        cu = code[first]
        ipo_day = pd.Series(cu).map(ipo).to_numpy("datetime64[ns]")[cc]
        has = ~np.isnat(ipo_day)
        gstart = np.maximum.accumulate(np.where(first, np.arange(len(code)), 0))
        k = np.arange(len(code)) - gstart      # rows since the security's first row
        at_ipo = has & (dates == ipo_day)
        # the IPO row is the security's first row when the IPO is inside the data
        ipo_first = np.zeros(len(code), bool)
        ipo_first[gstart[at_ipo]] = True
        from_ipo = ipo_first[gstart] & has
        free_days = np.where(isb("star") | (isb("chinext") & (ipo_day >= CHINEXT_REFORM_DATE.to_datetime64())), 5, 1)
        nolimit = from_ipo & (k < free_days)
        hi[nolimit] = np.nan
        lo[nolimit] = np.nan
    return hi, lo


def st_intervals(bars: pd.DataFrame, is_st: np.ndarray, open_end: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """ST intervals (table ``st``) from a per-row ST flag on dense bars sorted by code, date.

    Each run of consecutive ST rows becomes ``(code, start_date, end_date)``, both inclusive.
    A run still open on a security's last row gets ``end_date = 2200-01-01`` when
    ``open_end[code]`` is true (the security is still listed at the store's end).
    """
    return _runs(bars, np.asarray(is_st, bool), None, open_end)[["code", "start_date", "end_date"]]


def _runs(bars: pd.DataFrame, mask: np.ndarray, values: np.ndarray | None,
          open_end: Mapping[str, bool] | None) -> pd.DataFrame:
    code = bars["code"].to_numpy(object)
    dates = bars["date"].to_numpy("datetime64[ns]")
    n = len(code)
    first = np.ones(n, bool)
    first[1:] = code[1:] != code[:-1]
    last = np.ones(n, bool)
    last[:-1] = code[1:] != code[:-1]
    if values is None:
        chg_prev = np.ones(n, bool)
        chg_prev[1:] = ~mask[:-1]
        chg_next = np.ones(n, bool)
        chg_next[:-1] = ~mask[1:]
    else:
        chg_prev = np.ones(n, bool)
        chg_prev[1:] = (values[1:] != values[:-1]) | ~mask[:-1]
        chg_next = np.ones(n, bool)
        chg_next[:-1] = (values[1:] != values[:-1]) | ~mask[1:]
    s = mask & (first | chg_prev)
    e = mask & (last | chg_next)
    si, ei = np.flatnonzero(s), np.flatnonzero(e)
    end = dates[ei].copy()
    if open_end:
        oe = pd.Series(code[ei]).map(dict(open_end)).fillna(False).to_numpy(bool)
        end[last[ei] & oe] = FAR_FUTURE.to_datetime64()
    out = pd.DataFrame({"code": code[si], "start_date": dates[si], "end_date": end})
    if values is not None:
        out["display_name"] = values[si]
    return out


def _clean_name_codes(bars: pd.DataFrame, gid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_clean_names_filled` as ``(codes int64 (-1 = none), distinct cleaned names)``;
    ``gid``: the rows' security numbers when the caller has them (rows grouped by code)."""
    codes, cats = _factorize(bars["name"])
    if not len(cats):
        return np.full(len(codes), -1, np.int64), np.zeros(0, dtype=object)
    cs = pd.Series(cats, dtype="string")
    cl = cs.str.replace(_MARKER_RE, "", regex=True).str.replace(r"^\*ST\s+", "*ST", regex=True)
    ccodes, ccats = pd.factorize(cl.astype(object))
    marked = cs.str.contains(_MARKER_RE, regex=True).fillna(False).to_numpy(bool)
    v = np.where(codes >= 0, ccodes[np.maximum(codes, 0)], -1)
    vm = np.where((codes >= 0) & ~marked[np.maximum(codes, 0)], v, -1)
    if gid is None:
        gid = pd.factorize(bars["code"].to_numpy(object))[0]
    vm = _fill_within(vm, gid)
    v = np.where(vm >= 0, vm, v)
    return v.astype(np.int64), np.asarray(ccats, dtype=object)


def _clean_names_filled(bars: pd.DataFrame) -> pd.Series:
    """Cleaned daily names; on rows that carried a day marker the source name is usually
    truncated (``'XD浦发银'`` for 浦发银行), so those rows take the neighbouring unmarked
    name of the same security (previous row, else next row)."""
    v, ccats = _clean_name_codes(bars)
    if not len(ccats):
        return pd.Series([None] * len(v), dtype=object)
    return pd.Series(np.where(v >= 0, ccats[np.maximum(v, 0)], None), dtype=object)


def names_table(bars: pd.DataFrame, open_end: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """Historical display names (table ``names``): runs of the cleaned daily name.

    Day markers (XD/XR/DR/N/C, see :func:`clean_name`) are stripped first, so an ex-date
    does not start a new name.  The current name of a still-listed security runs to
    2200-01-01 (``open_end``).
    """
    return _names_from_codes(bars, *_clean_name_codes(bars), open_end)


def _names_from_codes(bars: pd.DataFrame, v: np.ndarray, cats: np.ndarray,
                      open_end: Mapping[str, bool] | None) -> pd.DataFrame:
    r = _runs(bars, v >= 0, v, open_end)       # equal codes <=> equal cleaned names
    r["display_name"] = cats[r["display_name"].to_numpy(np.int64)] if len(r) else np.zeros(0, dtype=object)
    return r[["code", "display_name", "start_date", "end_date"]]


def derive_xrxd(bars: pd.DataFrame, boards: np.ndarray | None = None) -> tuple[pd.DataFrame, int]:
    """Ex-rights / ex-dividend events (table ``xrxd``) from ``pre_close != previous close``.

    On an ex-date ``prev = close_{t-1}``, ``pre = pre_close_t`` and the exchange's reference
    price is ``pre = (prev - cash_per_share) / scale`` rounded to the tick.  The event is
    split with this heuristic:

    * ``ratio = prev / pre``.  If ``ratio > 1.12`` there are bonus/transferred shares:
      ``scale_factor`` is the ratio rounded to a multiple of 0.05 (= half a share per 10),
      and the remainder ``cash = prev - pre * scale_factor`` is a cash dividend when it is
      positive beyond rounding (``bonus_pre_tax = cash * 10``, yuan per 10 shares); if that
      rounding leaves a negative remainder beyond the tick, ``scale_factor = ratio`` exactly
      and no cash.
    * Otherwise (``1 < ratio <= 1.12``) it is a pure cash dividend:
      ``bonus_pre_tax = (prev - pre) * 10``, ``scale_factor = 1``.
    * ``ratio < 1`` (pre_close above the last close: rights issues priced above market,
      reverse splits, data quirks) is not an event the account layer can apply; it is
      skipped and counted (the factor still records it).

    Returns
    -------
    (xrxd, skipped) : (pandas.DataFrame, int)
    """
    prev, first = _prev_close(bars)
    pc = bars["pre_close"].to_numpy(np.float64)
    fund = _board_masks(boards)("fund") if boards is not None else np.zeros(len(pc), bool)
    tick = np.where(fund, 0.001, 0.01)
    ok = ~first & np.isfinite(pc) & np.isfinite(prev) & (pc > 0)
    ev = ok & (np.abs(pc - prev) > tick * 0.5)
    idx = np.flatnonzero(ev)
    p, q, t = prev[idx], pc[idx], tick[idx]
    ratio = p / q
    skip = ratio < 1
    bonus = ratio > 1.12
    scale = np.ones(len(idx))
    cash = np.where(bonus, 0.0, p - q)
    sr = np.round(ratio * 20) / 20
    rem = p - q * sr
    tol = t * 0.5 * sr + 1e-9
    good = bonus & (rem >= -tol)
    scale[good] = sr[good]
    cash[good] = np.where(rem[good] > tol[good], rem[good], 0.0)
    bad = bonus & ~good
    scale[bad] = ratio[bad]
    cash[bad] = 0.0
    keep = ~skip
    code = bars["code"].to_numpy(object)[idx][keep]
    dates = bars["date"].to_numpy("datetime64[ns]")[idx][keep]
    out = pd.DataFrame({"code": code, "date": dates,
                        "bonus_pre_tax": np.round(cash[keep] * 10, 6),
                        "scale_factor": np.maximum(scale[keep], 1.0)})
    return out, int(skip.sum())


def check_xrxd_plausible(bars: pd.DataFrame, xrxd: pd.DataFrame, high_limit: np.ndarray,
                         low_limit: np.ndarray, source: str | Callable[[str, pd.Timestamp], str] = "<bars>") -> None:
    """Reject ex-rights events that no A-share corporate action can produce.

    An event inferred from ``pre_close`` (:func:`derive_xrxd`) turns into bonus shares in
    every position held over it, so a single bad price row would silently multiply holdings
    (a close ×100 becomes "送转比例100").  An event with ``scale_factor > 1`` is accepted
    only when

    1. ``scale_factor <= schema.MAX_SCALE_FACTOR`` (A-share 送转 has reached 10送转30, scale 4);
    2. the previous row's close -- the price the ratio is computed from -- lies within that
       day's own price limits (a genuine previous close always does; a mis-scaled one
       cannot), when that day has limits;
    3. the event day's close lies within its limits, which are derived from the new
       ``pre_close`` (checks a mis-scaled ``pre_close``), when it has limits.

    Rules 2 and 3 are skipped when the security resumes from a suspension that day (the
    previous row is paused): the first day after a restructuring has no price limit
    (600733.XSHG on 2018-09-27: pre_close 15.05 after 52.69, closed at 9.50).

    Parameters
    ----------
    bars : pandas.DataFrame
        Dense bars sorted by code, date with a ``_row`` column (row in the source file).
    xrxd : pandas.DataFrame
        Output of :func:`derive_xrxd`.
    high_limit, low_limit : numpy.ndarray of float64, shape (len(bars),)
        Price limits per row (NaN = no limit that day).
    source : str or callable
        Label of the source file in errors, or ``(code, date) -> label``.

    Raises
    ------
    DataValidationError
        Naming the file, the row (of the event day), the code, the date and the rule.
    """
    ev = xrxd[xrxd["scale_factor"].to_numpy() > 1.0]
    if ev.empty:
        return
    key = pd.MultiIndex.from_arrays([bars["code"].to_numpy(object), bars["date"].to_numpy("datetime64[ns]")])
    pos = key.get_indexer(pd.MultiIndex.from_arrays([ev["code"].to_numpy(object),
                                                     ev["date"].to_numpy("datetime64[ns]")]))
    close = bars["close"].to_numpy(np.float64)
    paused = bars["paused"].to_numpy() if "paused" in bars.columns else np.zeros(len(bars))
    rows = bars["_row"].to_numpy() if "_row" in bars.columns else np.full(len(bars), -1)
    sf = ev["scale_factor"].to_numpy()
    tol = 0.011
    for k in range(len(ev)):
        i = int(pos[k])
        if i <= 0:
            continue
        why = None
        if sf[k] > schema.MAX_SCALE_FACTOR:
            why = f"ratio {sf[k]:g} is above {schema.MAX_SCALE_FACTOR:g}, more than any A-share bonus/transfer issue"
        elif paused[i - 1] != 1:
            for j, label in ((i - 1, "the previous close"), (i, "the close of the event day")):
                hi, lo = high_limit[j], low_limit[j]
                if np.isfinite(hi) and np.isfinite(lo) and not (lo - tol <= close[j] <= hi + tol):
                    why = (f"{label} {close[j]:g} ({pd.Timestamp(bars['date'].iloc[j]).date()}) is outside "
                           f"that day's price limits [{lo:g}, {hi:g}]")
                    break
        if why is None:
            continue
        code = str(ev["code"].iloc[k])
        label = source(code, pd.Timestamp(ev["date"].iloc[k])) if callable(source) else source
        r = int(rows[i]) if rows[i] >= 0 else None
        raise DataValidationError(label, r, "pre_close",
                                  f"implausible ex-rights event for {code} on {pd.Timestamp(ev['date'].iloc[k]).date()}: "
                                  f"pre_close {bars['pre_close'].iloc[i]:g} after a close of {close[i - 1]:g} "
                                  f"would be 送转比例 {sf[k]:g}, but {why}; fix the price row (a unit slip, "
                                  "e.g. ×100?) -- it is not turned into bonus shares")


# --------------------------------------------------------------------------------------
# Store assembly
# --------------------------------------------------------------------------------------

def build_store_tables(raw: pd.DataFrame, calendar: pd.DatetimeIndex, *,
                       securities: pd.DataFrame | None = None,
                       spans: pd.DataFrame | None = None,
                       ipo_dates: Mapping[str, pd.Timestamp] | None = None,
                       progress: Progress = None,
                       source: str | Callable[[str, pd.Timestamp], str] = "<bars>") -> tuple[dict[str, pd.DataFrame], dict]:
    """Turn raw bars of any securities into the store tables (everything but memberships).

    Parameters
    ----------
    raw : pandas.DataFrame
        :data:`RAW_COLUMNS` rows (from :func:`read_bars_file`), already restricted to the span.
    calendar : pandas.DatetimeIndex
        The store's trading days.
    securities : pandas.DataFrame, optional
        Known master rows (code, display_name, type, start_date, end_date); missing codes
        get ``type`` from :func:`security_type_of`, start/end from their rows.
    spans : pandas.DataFrame, optional
        See :func:`densify_bars`.
    ipo_dates : mapping, optional
        code -> listing day, when the listing is inside the data (see :func:`derive_limits`).
        Default: a security's first row when that is after the calendar's first day (except
        BSE transfers on the exchange's opening day 2021-11-15).
    progress : callable, optional
        Called with short progress messages.
    source : str or callable
        Source file label (or ``(code, date) -> label``) for errors about single rows.

    Returns
    -------
    (tables, stats) : (dict of str -> pandas.DataFrame, dict)
        ``calendar``, ``securities``, ``bars_daily``, ``st``, ``xrxd``, ``names``; stats holds
        counts (rows, inserted paused rows, skipped xrxd rows, limit violations).
    """
    holder = [raw]
    del raw
    return _build_store_tables(holder, calendar, securities=securities, spans=spans, ipo_dates=ipo_dates,
                               progress=progress, source=source)


def _build_store_tables(holder: list, calendar, *, securities=None, spans=None, ipo_dates=None,
                        progress: Progress = None, source="<bars>"):
    """:func:`build_store_tables` on ``holder = [raw]``; the raw rows are dropped from the
    holder once the dense bars exist, so a caller that keeps no other reference frees them."""
    say = progress or (lambda _m: None)
    cal = pd.DatetimeIndex(calendar)
    say("filling suspended days")
    raw = holder.pop()
    bars = densify_bars(raw, cal, spans)
    n_raw = len(raw)
    del raw
    codes = bars["code"].to_numpy(object)
    # bars are sorted by code: security numbers from the boundaries (== pd.factorize)
    bfirst = np.ones(len(codes), bool)
    bfirst[1:] = codes[1:] != codes[:-1]
    inv = np.cumsum(bfirst) - 1
    ucodes = np.asarray(codes[bfirst], dtype=object)
    del bfirst
    ub = np.array([board_of(c) for c in ucodes], dtype=object)
    boards = ub[inv]
    sec = securities.set_index("code") if securities is not None and len(securities) else None
    ut = np.array([(sec["type"].get(c) if sec is not None and c in sec.index else None)
                   or security_type_of(c) for c in ucodes], dtype=object)
    # a fund's board is 'fund' whatever its code; an index's board is 'index'
    ub = np.where(ut == "index", "index", np.where(np.isin(ut, ("etf", "lof", "fund", "mmf")), "fund", ub))
    bu, bcode = np.unique(ub.astype(str), return_inverse=True)
    boards = pd.Categorical.from_codes(bcode.astype(np.int32)[inv], categories=pd.Index(bu, dtype=object))
    is_stock_row = (ut == "stock")[inv]

    say("deriving factors, limits, ST, ex-rights events")
    src_factor = bars["factor"].to_numpy(np.float64)
    derived = derive_factor(bars)
    factor = np.where(np.isfinite(src_factor), src_factor, derived)
    st_flag = bars["is_st"].to_numpy()
    has_names = bool((_factorize(bars["name"])[0] >= 0).any())
    st = np.where(st_flag >= 0, st_flag == 1, is_st_name(bars["name"]) if has_names
                  else np.zeros(len(bars), bool))
    st &= is_stock_row
    first_by_code = pd.Series(bars["date"].to_numpy()).groupby(inv).first()
    first_by_code.index = ucodes[first_by_code.index]
    last_by_code = pd.Series(bars["date"].to_numpy()).groupby(inv).last()
    last_by_code.index = ucodes[last_by_code.index]
    if ipo_dates is None:
        ipo = first_by_code[first_by_code > cal[0]]
        bse_transfer = (pd.Index(ipo.index).str.endswith("BJSE")) & (ipo == BSE_OPENING_DATE).to_numpy()
        ipo = ipo[~bse_transfer]
        ipo = ipo[pd.Series(ut, index=ucodes).reindex(ipo.index).to_numpy() == "stock"]
    else:
        ipo = pd.Series(ipo_dates)
    hi, lo = derive_limits(bars, boards, st, ipo)
    lim = {}
    for c, v in (("high_limit", hi), ("low_limit", lo)):
        srcv = bars[c].to_numpy(np.float64)
        lim[c] = np.where(np.isfinite(srcv), srcv, v)
    xrxd, skipped = derive_xrxd(bars, boards)
    check_xrxd_plausible(bars, xrxd, lim["high_limit"], lim["low_limit"], source)
    keep_codes = set(ucodes[ut == "stock"]) | set(ucodes[np.isin(ut, ("etf", "lof", "fund"))])
    xrxd = xrxd[pd.Index(xrxd["code"].to_numpy(object)).isin(keep_codes)]

    # securities master
    end_open = last_by_code >= cal[-1]
    master = pd.DataFrame({"code": ucodes, "type": ut, "board": ub,
                           "start_date": first_by_code.reindex(ucodes).to_numpy(),
                           "end_date": np.where(end_open.reindex(ucodes).to_numpy(bool),
                                                FAR_FUTURE.to_datetime64(),
                                                last_by_code.reindex(ucodes).to_numpy())})
    name_v, name_cats = _clean_name_codes(bars, inv)
    # last non-missing cleaned name of each security
    nz = np.flatnonzero(name_v >= 0)
    last_pos = np.full(len(ucodes), -1, np.int64)
    np.maximum.at(last_pos, inv[nz], nz)
    master["display_name"] = np.where(last_pos >= 0, name_cats[name_v[np.maximum(last_pos, 0)]]
                                      if len(name_cats) else None, None)
    master["name"] = None
    if sec is not None:
        for c in ("display_name", "start_date", "end_date", "name"):
            if c in sec.columns:
                v = master["code"].map(sec[c])
                master[c] = v.where(v.notna(), master[c])
    master["display_name"] = master["display_name"].where(master["display_name"].notna(), master["code"])
    open_end = dict(zip(master["code"], pd.to_datetime(master["end_date"]) >= FAR_FUTURE))

    st_tab = st_intervals(bars, st, open_end)
    names = _names_from_codes(bars, name_v, name_cats, open_end) if has_names else None

    # limit sanity: closes outside the derived limits (non-paused, both limits known)
    c = bars["close"].to_numpy()
    h, l_ = lim["high_limit"], lim["low_limit"]
    known = np.isfinite(h) & (bars["paused"].to_numpy() == 0)
    viol = int((known & ((c > h + 1e-9) | (c < l_ - 1e-9))).sum())

    final = {c: bars[c].to_numpy() for c in list(schema.DAILY_BARS) + ["_row"]}
    final.update(lim)
    final["factor"] = factor
    bars = pd.DataFrame(final, copy=False)
    tables = {"calendar": pd.DataFrame({"date": cal}), "securities": master[list(schema.SECURITIES)],
              "bars_daily": bars, "st": st_tab, "xrxd": xrxd}
    if names is not None:
        tables["names"] = names
    stats = {"bars": len(bars), "source_rows": n_raw, "inserted_paused": int((bars["_row"] < 0).sum()),
             "paused": int(bars["paused"].sum()), "securities": len(master), "st_intervals": len(st_tab),
             "xrxd": len(xrxd), "xrxd_skipped": skipped, "limit_violations": viol,
             "names": 0 if names is None else len(names)}
    return tables, stats


def _check_calendar(data_dates: pd.DatetimeIndex, cal: pd.DatetimeIndex, label: str,
                    max_missing: int = 5) -> list[str]:
    extra, missing = check_against_calendar(data_dates, cal)
    if extra:
        raise DataValidationError(label, None, "date",
                                  f"{len(extra)} date(s) are not XSHG trading days, e.g. {extra[0].date()}")
    notes = []
    if missing:
        msg = (f"{label}: {len(missing)} trading day(s) have no data at all, e.g. "
               f"{', '.join(str(d.date()) for d in missing[:5])}")
        if len(missing) > max_missing:
            raise DataValidationError(label, None, "date", msg)
        warnings.warn(msg, stacklevel=3)
        notes.append(msg)
    return notes


def import_bars_files(paths: Sequence[str | Path] | str | Path, mapping: ColumnMapping | None,
                      out_path: str | Path, *, start=None, end=None, codes: Iterable[str] | None = None,
                      securities: pd.DataFrame | None = None, index_members: pd.DataFrame | None = None,
                      name: str = "user", progress: Progress = None,
                      post_write: Callable[[Path], None] | None = None) -> Path:
    """Build a store from users' own daily-bar files (CSV or parquet).

    Parameters
    ----------
    paths : path or sequence of paths
        Files (a folder means every ``*.csv``/``*.parquet`` in it; glob patterns work).
    mapping : ColumnMapping or None
        The files' layout (default: jqlite column names).
    out_path : path-like
        Store folder to create or replace atomically.
    start, end : date-like, optional
        Span to import (default: the data's first/last date).  The calendar is XSHG's.
    codes : iterable of str, optional
        Import only these JoinQuant codes.
    securities : pandas.DataFrame, optional
        Master rows to use (code plus any of display_name, type, start_date, end_date, name).
    index_members : pandas.DataFrame, optional
        Membership intervals (index_code, code, start_date, end_date).
    name : str
        Store name for ``meta.json``.
    progress : callable, optional
        Called with short progress messages.
    post_write : callable, optional
        See :func:`jqlite.data.writer.write_store` (fundamentals into the new store before
        it is swapped in).

    Returns
    -------
    pathlib.Path
        The store folder.

    Raises
    ------
    DataValidationError
        Naming the file, row and column of the first bad value; ``out_path`` is then left
        as it was.
    DataError
        ``out_path`` is a non-empty folder that is not a jqlite store.
    """
    say = progress or (lambda _m: None)
    files = _expand(paths)
    if not files:
        raise DataValidationError(str(paths), None, None, "no input files")
    m = mapping or ColumnMapping()
    frames = []
    for f in files:
        say(f"reading {f}")
        frames.append(read_bars_file(f, m, codes=codes, check_calendar=False))
    raw = pd.concat(frames, ignore_index=True)
    if raw.empty:
        raise DataValidationError(str(files[0]), None, None, "no rows to import")
    lo = pd.Timestamp(start) if start is not None else raw["date"].min()
    hi = pd.Timestamp(end) if end is not None else raw["date"].max()
    cal = xshg_trading_days(str(lo.date()), str(hi.date()))
    # off-calendar dates inside the span: name the file and row
    for f, fr in zip(files, frames):
        d = pd.DatetimeIndex(fr["date"])
        off = ~d.isin(cal) & (d >= lo) & (d <= hi)
        if off.any():
            pos = int(np.flatnonzero(off)[0])
            raise DataValidationError(str(f), int(fr["_row"].iloc[pos]), m.date,
                                      f"date is not an XSHG trading day ({d[pos].date()})")
    file_of = np.concatenate([np.full(len(fr), i) for i, fr in enumerate(frames)])
    keep = ((raw["date"] >= lo) & (raw["date"] <= hi)).to_numpy()
    raw, file_of = raw[keep], file_of[keep]
    dup = raw.duplicated(["code", "date"], keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise DataValidationError(str(files[file_of[pos]]), int(raw["_row"].iloc[pos]), m.date,
                                  f"duplicate row for ({raw['code'].iloc[pos]}, {raw['date'].iloc[pos].date()}) "
                                  "(also in an earlier file)")
    def file_of_row(code, date):
        for f, fr in zip(files, frames):
            if ((fr["code"] == code) & (fr["date"] == date)).any():
                return str(f)
        return str(files[0])
    tables, stats = build_store_tables(raw.reset_index(drop=True), cal, securities=securities,
                                       progress=say, source=file_of_row)
    if index_members is not None:
        tables["index_members"] = index_members
    src = files[0] if len(files) == 1 else f"{len(files)} files: {', '.join(map(str, files[:3]))}{' ...' if len(files) > 3 else ''}"
    say(f"writing store {out_path}: {stats['bars']} bar rows")
    return write_store(out_path, tables, name=name, source=str(src),
                       sources={"bars_daily": str(src)}, progress=say, post_write=post_write)


def _expand(paths) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(x for x in p.iterdir() if x.suffix.lower() in (".csv", ".parquet"))
        elif any(ch in str(p) for ch in "*?["):
            out += [Path(x) for x in sorted(_glob.glob(str(p)))]
        else:
            out.append(p)
    return out


# --------------------------------------------------------------------------------------
# The bundled real data set
# --------------------------------------------------------------------------------------

#: Names of the indexes in ``index/qlib_index_daily.parquet`` (and derived memberships).
INDEX_NAMES = {
    "000001.XSHG": "上证指数", "000016.XSHG": "上证50", "000300.XSHG": "沪深300",
    "000688.XSHG": "科创50", "000852.XSHG": "中证1000", "000903.XSHG": "中证100",
    "000905.XSHG": "中证500", "000906.XSHG": "中证800", "000985.XSHG": "中证全指",
    "399001.XSHE": "深证成指", "399005.XSHE": "中小100", "399006.XSHE": "创业板指",
    "399008.XSHE": "中小300", "399101.XSHE": "中小综指", "399102.XSHE": "创业板综",
    "399106.XSHE": "深证综指", "399300.XSHE": "沪深300", "399303.XSHE": "国证2000",
    "399330.XSHE": "深证100", "399905.XSHE": "中证500",
}
#: Display names of the ETFs in ``etf/tdx_etf_daily.parquet`` (the data has no names).
ETF_NAMES = {
    "159509.XSHE": "纳指科技ETF", "159611.XSHE": "电力ETF", "159755.XSHE": "电池ETF",
    "159819.XSHE": "人工智能ETF", "159869.XSHE": "游戏ETF", "159870.XSHE": "化工ETF",
    "159928.XSHE": "消费ETF", "159941.XSHE": "纳指ETF", "159949.XSHE": "创业板50ETF",
    "159995.XSHE": "芯片ETF", "510050.XSHG": "上证50ETF", "510300.XSHG": "沪深300ETF",
    "510880.XSHG": "红利ETF", "512010.XSHG": "医药ETF", "512660.XSHG": "军工ETF",
    "512690.XSHG": "酒ETF", "512800.XSHG": "银行ETF", "512880.XSHG": "证券ETF",
    "512980.XSHG": "传媒ETF", "513050.XSHG": "中概互联网ETF", "513060.XSHG": "恒生医疗ETF",
    "515030.XSHG": "新能源车ETF", "515790.XSHG": "光伏ETF", "515880.XSHG": "通信ETF",
    "588000.XSHG": "科创50ETF",
}
#: qlib constituent files -> JoinQuant index code.
MEMBER_FILES = {
    "csi100": "000903.XSHG", "csi300": "000300.XSHG", "csi500": "000905.XSHG",
    "csi800": "000906.XSHG", "csi1000": "000852.XSHG",
}


def merge_intervals(df: pd.DataFrame, max_gap_days: int = 15) -> pd.DataFrame:
    """Merge back-to-back membership intervals of the same (index_code, code).

    qlib's index files restart every interval at each rebalance (``... -> 2015-01-29``,
    ``2015-01-30 -> ...``).  Two intervals are merged when the next starts at most
    ``max_gap_days`` calendar days after the previous ends (no rebalance can drop and re-add
    a stock within two weeks; the longest exchange holiday is 10 days).
    """
    if df.empty:
        return df
    df = df.sort_values(["index_code", "code", "start_date"], kind="stable").reset_index(drop=True)
    same = (df["index_code"].eq(df["index_code"].shift()) & df["code"].eq(df["code"].shift())).to_numpy()
    prev_end = df.groupby(["index_code", "code"])["end_date"].cummax().shift()
    cont = same & ((df["start_date"] - prev_end).dt.days <= max_gap_days).fillna(False).to_numpy()
    gid = np.cumsum(~cont)
    out = df.groupby(gid).agg(index_code=("index_code", "first"), code=("code", "first"),
                              start_date=("start_date", "min"), end_date=("end_date", "max"))
    return out.reset_index(drop=True)


def default_real_data_dir() -> Path:
    """``<repo>/../shared/data/real`` (``Path(__file__).resolve().parents[3] / 'shared/data/real'``)."""
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "real"


def _read_real_bars(files: list[Path], mapping: ColumnMapping, cal: pd.DatetimeIndex, start, end,
                    codes, say) -> list[pd.DataFrame]:
    out = []
    for f in files:
        say(f"reading {f.name}")
        fr = read_bars_file(f, mapping, calendar=cal, start=start, end=end, codes=codes)
        fr["_file"] = str(f)
        out.append(fr)
    return out


def _read_parquet_bars(files: list[Path], mapping: ColumnMapping, cal: pd.DatetimeIndex, start, end,
                       codes, say) -> pd.DataFrame:
    """Read same-layout parquet bar files in one pass (pyarrow, dictionary-coded code and
    name columns) and check them as :func:`read_bars_file` does file by file.

    Errors name the file and the row in that file.  The result is :data:`RAW_COLUMNS` plus a
    categorical ``_file`` column, sorted by code, date; ``name`` stays categorical.
    """
    import pyarrow as pa
    from .formats.arrow_io import read_parquet_table
    cols = list(mapping.source_columns().values())
    tabs = []
    for f in files:
        say(f"reading {f.name}")
        t = read_parquet_table(f, cols)
        missing = [c for c in cols if c not in t.column_names]
        if missing:
            raise DataValidationError(str(f), None, missing[0], f"missing column(s) {missing}")
        if t.num_rows == 0:
            raise DataValidationError(str(f), None, None, "no data rows (header only)")
        tabs.append(t.select(cols))
    try:
        t = pa.concat_tables([x.cast(tabs[0].schema) for x in tabs])
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pd.concat(_read_real_bars(files, mapping, cal, start, end, codes, lambda _m: None),
                         ignore_index=True)
    str_cols = {c for c in (mapping.code, mapping.name) if c}
    arrays = {}
    for c in cols:
        col = t.column(c)
        if c in str_cols and (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = col.combine_chunks().dictionary_encode()
        arrays[c] = col
    del t
    df = pa.table(arrays).to_pandas(date_as_object=False)
    del arrays
    offs = np.concatenate([[0], np.cumsum([x.num_rows for x in tabs])])
    del tabs
    try:
        raw = read_bars_frame(df, mapping, label="<parquet bars>", calendar=cal, start=start, end=end,
                              codes=codes)
    except DataValidationError as exc:
        if exc.file != "<parquet bars>":
            raise
        if exc.row is None:
            raise DataValidationError(str(files[0]) + (f" (+{len(files) - 1} files)" if len(files) > 1 else ""),
                                      None, exc.column, exc.message) from None
        i = int(np.searchsorted(offs, exc.row, side="right") - 1)
        raise DataValidationError(str(files[i]), int(exc.row - offs[i]), exc.column, exc.message) from None
    fi = np.searchsorted(offs, raw["_row"].to_numpy(), side="right") - 1
    raw["_row"] = raw["_row"].to_numpy() - offs[fi]
    raw["_file"] = pd.Categorical.from_codes(fi, categories=[str(f) for f in files])
    return raw


def _date_range_by_code(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw.groupby("code")["date"].agg(["min", "max"])`` (index: codes, sorted) for an
    object or dictionary-coded code column."""
    col = raw["code"]
    if isinstance(col.dtype, pd.CategoricalDtype) and not col.isna().any():
        d = pd.Series(raw["date"].to_numpy("datetime64[ns]"))
        g = d.groupby(col.array.codes).agg(["min", "max"])
        g.index = pd.Index(np.asarray(col.cat.categories, dtype=object)[g.index.to_numpy()], name="code")
        return g.sort_index()
    return raw.groupby("code")["date"].agg(["min", "max"])


def _concat_raw(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat`` of raw-bar frames keeping ``name``/``_file`` dictionary-coded."""
    from pandas.api.types import union_categoricals
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(RAW_COLUMNS))
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    cat_cols = [c for c in ("code", "name", "_file") if all(c in f.columns for f in frames)
                and any(isinstance(f[c].dtype, pd.CategoricalDtype) for f in frames)]
    unified = {}
    for c in cat_cols:
        parts = [f[c].array if isinstance(f[c].dtype, pd.CategoricalDtype)
                 else pd.Categorical(f[c].astype(object).where(f[c].notna(), None)) for f in frames]
        unified[c] = union_categoricals(parts, ignore_order=True)
    out = pd.concat([f.drop(columns=cat_cols) for f in frames], ignore_index=True)
    for c in cat_cols:
        out[c] = unified[c]
    return out


def import_real_data(src_dir: str | Path | None = None, out_path: str | Path = "store", *,
                     start=None, end=None, codes: Iterable[str] | None = None,
                     progress: Progress = None, post_write: Callable[[Path], None] | None = None) -> Path:
    """Build a jqlite store from the real A-share data set (``shared/data/real``).

    Parameters
    ----------
    src_dir : path-like, optional
        The data folder (default :func:`default_real_data_dir`).
    out_path : path-like
        Store folder to create or replace atomically.
    start, end : date-like, optional
        Span (default 2015-01-05 -> 2022-01-14, the span of the stock files).
    codes : iterable of str, optional
        Import only these JoinQuant codes (stocks, ETFs or indexes) -- for quick test stores.
    progress : callable, optional
        Called with short progress messages (and a final summary line).
    post_write : callable, optional
        ``f(new_store_folder)`` run on the complete new store before it replaces
        ``out_path`` (the CLI imports the fundamentals there); if it raises, ``out_path`` is
        left byte-identical.

    Returns
    -------
    pathlib.Path
        The store folder.

    Notes
    -----
    Sources: stocks ``daily/xbx/xbx_stock_daily_YYYY.parquet`` (prices in fen -> yuan),
    ETFs ``etf/tdx_etf_daily.parquet``, indexes ``index/qlib_index_daily.parquet`` (no
    money column: money = 0), listing/delisting dates
    ``constituents/qlib_all_listing_ranges_2005_2025.parquet``, memberships
    ``constituents/qlib_csi*_2005_2025.parquet`` plus derived composite indexes.  All rules
    are in ``docs/data-import.md``.

    Raises
    ------
    DataValidationError
        A source file is malformed (file/row/column named), or the data's dates disagree
        with the XSHG calendar.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _m: None)
    src = Path(src_dir) if src_dir is not None else default_real_data_dir()
    if not src.is_dir():
        raise DataValidationError(str(src), None, None, "real data folder not found")
    from .writer import check_replaceable
    check_replaceable(out_path)    # before the long read: never replace a non-store folder
    start = pd.Timestamp(start or REAL_START)
    end = pd.Timestamp(end or REAL_END)
    codes = None if codes is None else {normalize_code(c) for c in codes}
    say(f"calendar {start.date()} -> {end.date()}")
    cal = xshg_trading_days(str(start.date()), str(end.date()))
    notes: list[str] = []
    # cross-check with the akshare calendar
    ak_file = src / "calendar" / "akshare_trade_calendar_1990_2026.csv"
    if ak_file.exists():
        akd = read_source(ak_file, str_cols=["date"], required=["date"])["date"]
        ak = pd.DatetimeIndex(_parse_dates(akd, None, str(ak_file), "date"))
        ak = ak[(ak >= start) & (ak <= end)]
        if len(ak.difference(cal)) or len(cal.difference(ak)):
            raise DataValidationError(str(ak_file), None, "date",
                                      f"akshare calendar disagrees with XSHG: only in akshare "
                                      f"{[str(d.date()) for d in ak.difference(cal)[:5]]}, only in XSHG "
                                      f"{[str(d.date()) for d in cal.difference(ak)[:5]]}")

    # ---- stocks
    years = range(start.year, end.year + 1)
    stock_files = [src / "daily" / "xbx" / f"xbx_stock_daily_{y}.parquet" for y in years]
    stock_files = [f for f in stock_files if f.exists()]
    xbx = ColumnMapping.xbx()
    xbx.code_format = "jq"
    stocks = _read_parquet_bars(stock_files, xbx, cal, start, end, codes, say) if stock_files \
        else pd.DataFrame(columns=list(RAW_COLUMNS))
    if len(stocks):
        # codes in the stock files must already be JoinQuant codes
        uc = pd.unique(stocks["code"])
        bad = [c for c in uc if not re.fullmatch(r"\d{6}\.(XSHG|XSHE|BJSE)", str(c))]
        if bad:
            fr = stocks[stocks["code"] == bad[0]].iloc[0]
            raise DataValidationError(fr["_file"], int(fr["_row"]), "code", f"not a JoinQuant code: {bad[0]!r}")
        if codes is None:
            notes += _check_calendar(pd.DatetimeIndex(stocks["date"].unique()), cal, "xbx stock files")
    # ---- ETFs
    etf_file = src / "etf" / "tdx_etf_daily.parquet"
    etfs = pd.DataFrame(columns=list(RAW_COLUMNS))
    if etf_file.exists():
        m = ColumnMapping(money="amount", pre_close="pre_close", code_format="jq")
        etfs = pd.concat(_read_real_bars([etf_file], m, cal, start, end, codes, say), ignore_index=True)
    # ---- indexes
    idx_file = src / "index" / "qlib_index_daily.parquet"
    idxs = pd.DataFrame(columns=list(RAW_COLUMNS))
    if idx_file.exists():
        say(f"reading {idx_file.name}")
        ix = read_source(idx_file, required=["date", "code", "open", "high", "low", "close", "volume"])
        ix["_row"] = np.arange(len(ix))
        ix["date"] = pd.to_datetime(ix["date"])
        ix = ix.sort_values(["code", "date"], kind="stable")
        # qlib float32 OHLC: make high/low contain open/close
        o, h, l_, c = (ix[k].astype(np.float64).round(3).to_numpy() for k in ("open", "high", "low", "close"))
        ix["high"] = np.maximum.reduce([o, h, l_, c])
        ix["low"] = np.minimum.reduce([o, h, l_, c])
        ix["open"], ix["close"] = o, c
        prev = ix.groupby("code")["close"].shift(1)
        ix["pre_close"] = prev
        ix["money"] = 0.0
        ix["volume"] = pd.to_numeric(ix["volume"], errors="coerce").fillna(0.0).astype(np.float64)
        sel = (ix["date"] >= start) & (ix["date"] <= end)
        if codes is not None:
            sel &= ix["code"].isin(codes)
        ix = ix[sel]
        bad = ~ix["date"].isin(cal)
        if bad.any():
            raise DataValidationError(str(idx_file), int(ix["_row"][bad].iloc[0]), "date",
                                      "date is not an XSHG trading day")
        for k in ("name", "factor", "high_limit", "low_limit"):
            ix[k] = np.nan if k != "name" else None
        ix["paused"] = np.int8(0)
        ix["is_st"] = np.int8(-1)
        ix["_file"] = str(idx_file)
        idxs = ix[list(RAW_COLUMNS) + ["_file"]]
    raw = _concat_raw([stocks, etfs, idxs])
    if raw.empty:
        raise DataValidationError(str(src), None, None, "no rows in the requested span/codes")

    # ---- listing ranges -> spans, securities
    say("listing ranges")
    lst_file = src / "constituents" / "qlib_all_listing_ranges_2005_2025.parquet"
    g = _date_range_by_code(raw)
    idx_set, etf_set = set(idxs["code"]), set(etfs["code"])
    types = pd.Series({c: ("index" if c in idx_set else "etf" if c in etf_set else "stock")
                       for c in g.index})
    spans = pd.DataFrame({"first": g["min"], "last": g["max"]})
    end_date = pd.Series(pd.NaT, index=g.index, dtype="datetime64[ns]")
    start_date = g["min"].copy()
    if lst_file.exists():
        L = read_source(lst_file, required=["code", "start_date", "end_date"])
        L = L.assign(start_date=pd.to_datetime(L["start_date"]), end_date=pd.to_datetime(L["end_date"]))
        L = L.drop_duplicates("code", keep="last").set_index("code")
        L_end_max = L["end_date"].max()
        Ls, Le = L["start_date"].reindex(g.index), L["end_date"].reindex(g.index)
        is_stock = (types == "stock").reindex(g.index).to_numpy()
        # listed before the store starts but first row later: suspended from the store's first day
        lead = is_stock & (Ls < start).to_numpy() & (g["min"] > start).to_numpy()
        spans.loc[lead, "first"] = start
        start_date[is_stock & (Ls < g["min"]).to_numpy() & (Ls < start).to_numpy()] = Ls
        # listed after the last row: suspended until delisting (or the store's end)
        trail = is_stock & (Le > g["max"]).to_numpy()
        spans.loc[trail, "last"] = Le[trail].clip(upper=end)
        delisted = is_stock & (Le < L_end_max).to_numpy() & (Le <= end).to_numpy() & (Le >= g["max"]).to_numpy()
        end_date[delisted] = Le[delisted]
        ended = (~delisted) & (g["max"] < cal[-1]).to_numpy() & ~trail
        end_date[ended] = g["max"][ended]
    else:
        ended = (g["max"] < cal[-1]).to_numpy()
        end_date[ended] = g["max"][ended]
    end_date = end_date.fillna(FAR_FUTURE)
    disp = {**INDEX_NAMES, **ETF_NAMES}
    securities = pd.DataFrame({"code": g.index, "type": types.reindex(g.index).to_numpy(),
                               "start_date": start_date.to_numpy(), "end_date": end_date.to_numpy()})
    dn = securities["code"].map(disp)
    securities["display_name"] = dn
    securities = securities.astype({"display_name": object})
    securities.loc[dn.isna().to_numpy(), "display_name"] = None
    sec_in = securities.drop(columns=["display_name"])
    sec_in["display_name"] = dn.to_numpy(object)
    # IPO days inside the store: listing start == first row (stocks only)
    ipo = None
    if lst_file.exists():
        Ls = L["start_date"].reindex(g.index)
        is_ipo = (types == "stock").to_numpy() & (Ls >= start).to_numpy() & (Ls == g["min"]).to_numpy()
        is_ipo &= ~((g.index.str.endswith("BJSE")) & (g["min"] == BSE_OPENING_DATE).to_numpy())
        ipo = g["min"][is_ipo]

    file_label = {"bars_daily": f"{src}/daily/xbx/xbx_stock_daily_*.parquet | {etf_file} | {idx_file} "
                                "(row = 0-based row in its own file)"}
    row_file = raw["_file"].astype("category").array
    row_code, row_date = raw["code"].to_numpy(object), raw["date"].to_numpy("datetime64[ns]")

    def file_of_row(code, date):      # only called to label an error: a scan is fine
        hit = np.flatnonzero((row_date == pd.Timestamp(date).to_datetime64()) & (row_code == code))
        return str(row_file[hit[0]]) if len(hit) else str(src)
    holder = [raw.drop(columns=["_file"])]
    del raw, stocks, etfs, idxs
    tables, stats = _build_store_tables(holder, cal, securities=sec_in, spans=spans, ipo_dates=ipo,
                                        progress=say, source=file_of_row)

    # ---- index memberships
    say("index memberships")
    master = tables["securities"]
    stock_m = master[master["type"] == "stock"]
    known = set(stock_m["code"])
    parts = []
    for key, icode in MEMBER_FILES.items():
        f = src / "constituents" / f"qlib_{key}_2005_2025.parquet"
        if not f.exists():
            continue
        mm = read_source(f, required=["code", "start_date", "end_date"])
        mm = mm.assign(start_date=pd.to_datetime(mm["start_date"]), end_date=pd.to_datetime(mm["end_date"]))
        emax = mm["end_date"].max()
        mm = mm[(mm["end_date"] >= start) & (mm["start_date"] <= end) & mm["code"].isin(known)]
        mm = mm.assign(index_code=icode,
                       end_date=mm["end_date"].where(mm["end_date"] < emax, FAR_FUTURE))
        parts.append(merge_intervals(mm[["index_code", "code", "start_date", "end_date"]]))
    sd = pd.to_datetime(stock_m["start_date"])
    sc = stock_m["code"].astype(str)
    derived = {
        "000001.XSHG": sc.str.endswith("XSHG"),
        "399106.XSHE": sc.str.endswith("XSHE"),
        "399101.XSHE": sc.str.match(r"^00[23]\d{3}\.XSHE$"),
        "399102.XSHE": sc.str.match(r"^30[01]\d{3}\.XSHE$"),
        "000985.XSHG": ~sc.str.endswith("BJSE"),
    }
    for icode, sel in derived.items():
        sub = stock_m[sel.to_numpy()]
        parts.append(pd.DataFrame({"index_code": icode, "code": sub["code"].to_numpy(),
                                   "start_date": np.maximum(sd[sel.to_numpy()].to_numpy(), start.to_datetime64()),
                                   "end_date": pd.to_datetime(sub["end_date"]).to_numpy()}))
    if parts:
        tables["index_members"] = pd.concat(parts, ignore_index=True)
    n_members = 0 if not parts else len(tables["index_members"])
    # ---- Shenwan industry history and CSI 500 weights (jqlite.data.reference)
    say("industries and index weights")
    from .reference import read_real_reference
    tables.update(read_real_reference(src, codes=set(master["code"]), calendar=cal))
    say(f"writing store {out_path}: {stats['bars']:,} bar rows ({stats['inserted_paused']:,} inserted paused), "
        f"{stats['securities']} securities, {n_members:,} membership intervals")
    out = write_store(out_path, tables, name="jqlite-real-ashare", source=f"{src} (see SOURCES.md)",
                      sources=file_label, progress=say, post_write=post_write, release_tables=True)
    stats["index_members"] = n_members
    stats["seconds"] = round(time.perf_counter() - t0, 1)
    say("done: " + ", ".join(f"{k}={v}" for k, v in stats.items()))
    import_real_data.last_stats = stats  # type: ignore[attr-defined]
    return out
