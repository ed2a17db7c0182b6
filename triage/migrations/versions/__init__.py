"""Migration scripts, oldest first (a package so that an installed project ships them)."""
