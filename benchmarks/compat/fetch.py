"""Rebuild the compatibility-corpus cache from ``manifest.tsv``.

The strategy files are public GitHub files of unknown licence, so the repository holds only
their addresses (repo, path, commit) and sha256; this script brings them back into the cache
folder (default ``$JQLITE_COMPAT_CACHE/files`` or ``/work/compat-cache/files``), one file per
row named ``<id>.py`` with the raw bytes as published (GBK files stay GBK), and checks each
file's sha256.

Two sources, tried in order for each row:

1. ``--mirrors DIR``: local git clones or bare mirrors, one per repository, found as
   ``DIR/<owner>+<name>`` or ``DIR/<owner>/<name>`` (``git --git-dir=... show COMMIT:PATH``);
   clone them yourself with ``git clone --bare https://github.com/<owner>/<name>``.
2. GitHub's raw-file address ``https://raw.githubusercontent.com/<repo>/<commit>/<path>``
   (needs network access to GitHub; skipped with ``--offline``).

Rows that neither source can give are listed at the end with the ``git`` commands that would
fetch them; the runner simply runs whatever is in the cache.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = Path(os.environ.get("JQLITE_COMPAT_CACHE", "/work/compat-cache")) / "files"


def _from_mirror(mirrors: Path, repo: str, commit: str, path: str) -> bytes | None:
    owner, name = repo.split("/", 1)
    for cand in (mirrors / f"{owner}+{name}", mirrors / owner / name):
        for gd in (cand, cand / "repo", cand / ".git", cand / "repo" / ".git"):
            if (gd / "HEAD").exists() and (gd / "objects").exists():
                p = subprocess.run(["git", "--git-dir", str(gd), "show", f"{commit}:{path}"],
                                   capture_output=True)
                if p.returncode == 0:
                    return p.stdout
    return None


def _from_github(repo: str, commit: str, path: str, timeout: float = 30) -> bytes | None:
    url = f"https://raw.githubusercontent.com/{repo}/{commit}/{urllib.parse.quote(path)}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - fixed https host
            return r.read()
    except Exception:
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="rebuild the compat corpus cache from manifest.tsv")
    ap.add_argument("--manifest", default=str(HERE / "manifest.tsv"))
    ap.add_argument("--cache", default=str(DEFAULT_CACHE), help="folder to write <id>.py files into")
    ap.add_argument("--mirrors", default=None, help="folder of local git clones/mirrors")
    ap.add_argument("--offline", action="store_true", help="do not try GitHub")
    args = ap.parse_args(argv)

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    with open(args.manifest, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    have = got = 0
    missing: list[dict] = []
    for r in rows:
        dest = cache / f"{r['id']}.py"
        if dest.exists() and hashlib.sha256(dest.read_bytes()).hexdigest() == r["sha256"]:
            have += 1
            continue
        data = _from_mirror(Path(args.mirrors), r["repo"], r["commit"], r["path"]) if args.mirrors else None
        if data is None and not args.offline:
            data = _from_github(r["repo"], r["commit"], r["path"])
        if data is None or hashlib.sha256(data).hexdigest() != r["sha256"]:
            missing.append(r)
            continue
        dest.write_bytes(data)
        got += 1
    print(f"{len(rows)} rows: {have} already cached, {got} fetched, {len(missing)} not reachable")
    if missing:
        print("\nnot reachable (fetch by hand, then rerun with --mirrors):")
        for repo in sorted({r["repo"] for r in missing}):
            n = sum(1 for r in missing if r["repo"] == repo)
            print(f"  git clone --bare https://github.com/{repo} MIRRORS/{repo.replace('/', '+')}   # {n} files")
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
