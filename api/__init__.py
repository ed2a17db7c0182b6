"""HTTP API, web console and chat adapters: parse, authorize, call triage, render. Nothing else."""
