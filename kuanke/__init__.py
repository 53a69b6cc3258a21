"""``kuanke``: JoinQuant's user-space package names, mapped to jqlite."""
