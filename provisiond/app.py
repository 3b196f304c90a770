"""Composition root: config → objects → supervised tasks. The only module that wires."""
