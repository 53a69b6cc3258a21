"""fissix fixers of jqlite's Python 2 conversion (:mod:`jqlite.compat.source`).

fissix (the maintained fork of lib2to3) imports a fixer ``fix_<name>`` from a package and
expects the class ``Fix<Name>``.  Every fixer here rewrites within a line so that converted
files keep their line numbers.
"""
