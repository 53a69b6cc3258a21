"""``jqlib``: JoinQuant's helper libraries.

* :mod:`jqlib.technical_analysis` - the 99 technical indicators of JoinQuant's list;
* :mod:`jqlib.optimizer` - ``portfolio_optimizer`` with its targets, constraints and bounds;
* :mod:`jqlib.alpha101` / :mod:`jqlib.alpha191` - WorldQuant's 101 and 国泰君安's 191 alphas.

jqlite's own research helpers (not JoinQuant modules):

* :mod:`jqlib.portfolio` - power-rank transform, neutral long-short / max-Sharpe / min-variance
  weights by cvxpy;
* :mod:`jqlib.evaluation` - IC, RankIC and top-N hit rate of a ranking signal.

See ``docs/technical-analysis.md``, ``docs/jqlib.md`` and ``docs/research.md``.
"""
