"""Domain values of DESIGN.md §1: frozen, typed, no I/O."""
