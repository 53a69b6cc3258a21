"""``jqfactor_analyzer`` -- JoinQuant's single-factor analysis tool, computed locally.

``from jqfactor_analyzer import analyze_factor`` works as with JoinQuant's package; prices,
industries and market caps come from the jqlite store instead of jqdatasdk.  The
implementation and why the PyPI package is not used: :mod:`jqlite.analysis.factor`.
"""

from jqlite.analysis.factor import DataApi, FactorAnalyzer, MaxLossExceededError, analyze_factor
from jqlite.factors import neutralize, standardlize, winsorize, winsorize_med

__version__ = "1.1.0+jqlite"

__all__ = ["analyze_factor", "FactorAnalyzer", "DataApi", "MaxLossExceededError", "winsorize", "winsorize_med",
           "standardlize", "neutralize"]
