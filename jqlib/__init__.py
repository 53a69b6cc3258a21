"""``jqlib``: JoinQuant's helper libraries.

* :mod:`jqlib.technical_analysis` - the 99 technical indicators of JoinQuant's list;
* :mod:`jqlib.optimizer` - ``portfolio_optimizer`` with its targets, constraints and bounds;
* :mod:`jqlib.alpha101` / :mod:`jqlib.alpha191` - WorldQuant's 101 and 国泰君安's 191 alphas.

See ``docs/technical-analysis.md`` and ``docs/jqlib.md``.
"""
