"""``jqlib``: JoinQuant's helper libraries (``jqlib.technical_analysis``)."""
