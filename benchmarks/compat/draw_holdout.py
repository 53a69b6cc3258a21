"""Draw the holdout set of unseen JoinQuant files (``holdout.tsv``) from the harvested pool.

The 240-file corpus (``manifest.tsv``) has been fixed against for several sessions, so its pass
rate over-states how jqlite does on files it has never seen.  This script draws, with a fixed
seed, ``N`` further files from the harvested pool that are

* not in the corpus (by id), not a byte duplicate of a corpus file (by sha256), not from the same
  JoinQuant community post as a corpus file, and not a near duplicate of a corpus file or of an
  earlier holdout file (Jaccard similarity >= 0.6 of the sets of 5-token shingles of the source
  with comments and blank lines removed);
* complete strategies: define ``initialize(context`` and either schedule a callback
  (``run_daily`` / ``run_weekly`` / ``run_monthly``) or define ``handle_data``.

Usage: ``python benchmarks/compat/draw_holdout.py [--cache /work/compat-cache] [--n 60]``; writes
``benchmarks/compat/holdout.tsv`` (same columns as ``manifest.tsv``) and copies the texts to
``<cache>/holdout/<id>.py`` (texts are never committed).
"""

from __future__ import annotations

import argparse
import io
import random
import re
import shutil
import tokenize
from pathlib import Path

SEED = 20261202
_INIT = re.compile(r"def\s+initialize\s*\(\s*context")
_SCHED = re.compile(r"\brun_(?:daily|weekly|monthly)\s*\(|def\s+handle_data\s*\(")


def _shingles(text: str, k: int = 5) -> set:
    toks = []
    try:
        for t in tokenize.generate_tokens(io.StringIO(text).readline):
            if t.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                          tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER):
                continue
            toks.append(t.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        toks = re.findall(r"\w+|[^\w\s]", re.sub(r"#.*", "", text))
    return {tuple(toks[i:i + k]) for i in range(max(0, len(toks) - k + 1))}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default="/work/compat-cache")
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--out", default=str(Path(__file__).with_name("holdout.tsv")))
    a = ap.parse_args()
    cache = Path(a.cache)
    import sys
    sys.path.insert(0, str(Path(__file__).parent))
    from features import decode_source

    rows = [l.rstrip("\n").split("\t") for l in open(cache / "pool_features.tsv", encoding="utf-8")]
    selected = {l.split("\t")[0] for l in open(cache / "selected.tsv", encoding="utf-8")}
    corpus = [r for r in rows if r[0] in selected]
    text = {r[0]: decode_source((cache / "pool" / f"{r[0]}.py").read_bytes()) for r in rows}
    sh = {r[0]: _shingles(text[r[0]]) for r in rows}
    corpus_sha = {r[4] for r in corpus}
    corpus_posts = {r[9] for r in corpus if r[9]}
    cand = [r for r in rows if r[0] not in selected and r[4] not in corpus_sha
            and not (r[9] and r[9] in corpus_posts)
            and _INIT.search(text[r[0]]) and _SCHED.search(text[r[0]])]
    rng = random.Random(SEED)
    cand.sort(key=lambda r: r[0])
    rng.shuffle(cand)
    chosen: list = []
    for r in cand:
        if len(chosen) >= a.n:
            break
        s = sh[r[0]]
        if any(_jaccard(s, sh[c[0]]) >= 0.6 for c in corpus + chosen):
            continue
        chosen.append(r)
    chosen.sort(key=lambda r: (r[1], r[2]))
    out_dir = cache / "holdout"
    out_dir.mkdir(exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("id\trepo\tpath\tcommit\tsha256\tfrequency\tasset\tpython\tml\n")
        for r in chosen:
            f.write("\t".join(r[:9]) + "\n")
            shutil.copyfile(cache / "pool" / f"{r[0]}.py", out_dir / f"{r[0]}.py")
    print(f"{len(cand)} candidates, {len(chosen)} drawn -> {a.out}")


if __name__ == "__main__":
    main()
