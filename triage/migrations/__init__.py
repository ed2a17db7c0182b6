"""Alembic migrations of the triage database (run them with :mod:`triage.migrate`)."""
