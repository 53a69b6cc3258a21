"""Compatibility of old JoinQuant strategy files with today's Python stack.

* :mod:`jqlite.compat.legacy` — names old pandas/numpy had and strategy files still use
  (``Series.sort``, ``.ix``, ``pd.rolling_mean``, ``np.float``, ...), each warning once
  through the run log with its modern replacement.
* :mod:`jqlite.compat.source` — reading a strategy file (UTF-8 / BOM / GBK / GB18030) and
  converting Python 2 source, with Python 2's integer division kept.
* :mod:`jqlite.compat.libs` — JoinQuant's preinstalled libraries inside a run (matplotlib to
  files, keras on torch, tushare offline) and the extra that provides a missing module.
* :mod:`jqlite.compat.dates` — the one parser of date arguments used by every data API.
"""
