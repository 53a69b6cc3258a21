"""Compare two jqlite stores file by file: bytes, and parquet tables with pyarrow (values, schema, metadata).

Usage: python benchmarks/compare_stores.py STORE_A STORE_B [--skip-fundamentals] [--content]

Prints each differing file (and, for parquet tables with the same schema, the differing columns)
and ends with ``DIFFERENCES: n``; ``meta.json`` files that differ only in ``written``/``source``
(date and source path of the import) do not count.  Used to check that a faster importer writes
the same store (benchmarks/README.md, "Real-data import").

``--content``: a parquet file whose bytes differ counts as equal when its table is equal
(every column's values and nulls, the schema and its pandas metadata: ``pyarrow.Table.equals``
with ``check_metadata=True``), e.g. after a change of parquet encoding; the fundamentals
folder's ``meta.json`` may then differ in ``version`` (a hash of the files' bytes).
"""
import json
import sys
from pathlib import Path
import pyarrow.parquet as pq
a, b = Path(sys.argv[1]), Path(sys.argv[2])
fa = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
fb = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
skip_fund = "--skip-fundamentals" in sys.argv[3:]
content = "--content" in sys.argv[3:]
if skip_fund:
    fa = [p for p in fa if not str(p).startswith("fundamentals")]
    fb = [p for p in fb if not str(p).startswith("fundamentals")]
print("files equal:", fa == fb, set(fa) ^ set(fb))
bad = 0
for p in fa:
    if p not in fb: continue
    ba, bb = (a / p).read_bytes(), (b / p).read_bytes()
    same = ba == bb
    if p.suffix == ".parquet":
        ta, tb = pq.read_table(a / p), pq.read_table(b / p)
        eq = ta.equals(tb, check_metadata=True)
        if not same or not eq:
            bad += 0 if (content and eq) else 1
            print(f"{p}: bytes {'same' if same else 'DIFFER'}, table {'equal' if eq else 'DIFFERS'} rows {ta.num_rows} {tb.num_rows}")
            if not eq and ta.schema == tb.schema and ta.num_rows == tb.num_rows:
                for c in ta.column_names:
                    if not ta.column(c).equals(tb.column(c)):
                        print("   column differs:", c)
    elif not same:
        if p.name == "meta.json":
            ja, jb = json.loads(ba), json.loads(bb)
            d = {k: (ja.get(k), jb.get(k)) for k in set(ja) | set(jb) if ja.get(k) != jb.get(k)}
            print(f"{p}: meta differs {d}")
            ok = {"written", "source"} | ({"version"} if content and p.parts[0] == "fundamentals" else set())
            if set(d) - ok:
                bad += 1
        else:
            bad += 1
            print(f"{p}: bytes differ")
print("DIFFERENCES:", bad)
