"""Security codes: any common spelling -> JoinQuant's ``600000.XSHG``; board and type of a code.

Shared by every importer and source adapter (:mod:`jqlite.data.formats`, :mod:`jqlite.data.sources`).
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np
import pandas as pd

from ..errors import DataValidationError

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
