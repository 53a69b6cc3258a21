"""Model persistence as real strategies do it: pickle an instance of the strategy's own class
with write_file, load it in the next run with read_file."""

import jqlite

SRC = """
from jqdata import *
import pickle

class Model(object):
    def __init__(self, w):
        self.w = w

def initialize(context):
    try:
        g.model = pickle.loads(read_file('models/m.pkl'))
        g.loaded = True
    except IOError:
        g.model, g.loaded = Model([0.25, 0.75]), False
        write_file('models/m.pkl', pickle.dumps(g.model))
"""


def test_pickled_strategy_class_round_trips_between_runs(tmp_path, jq_market):
    market = jq_market({"600000.XSHG": [10.0, 10.1]}, start="2024-03-01")
    kw = dict(source=SRC, storage=tmp_path, store=market)
    r1 = jqlite.run_backtest("pickler.py", "2024-03-01", "2024-03-04", **kw)
    assert r1.run.g.loaded is False and (tmp_path / "models" / "m.pkl").exists()
    r2 = jqlite.run_backtest("pickler.py", "2024-03-01", "2024-03-04", **kw)
    assert r2.run.g.loaded is True and r2.run.g.model.w == [0.25, 0.75]
    assert type(r2.run.g.model).__name__ == "Model"
