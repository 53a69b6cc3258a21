"""``jqlib``: JoinQuant's helper libraries (``jqlib.technical_analysis``) and jqlite's own research
helpers (``jqlib.portfolio``: alpha signal -> portfolio weights)."""
