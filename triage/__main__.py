"""``python -m triage`` runs the CLI."""

from triage.cli import app

app()
