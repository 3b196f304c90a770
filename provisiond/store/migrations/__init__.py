"""Alembic migration scripts, shipped as package data and run by `store.migrate`."""
