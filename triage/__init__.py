"""The domain of liaison-triage: submissions, cases, stations, deputies, routing, queues, settings and the CLI."""
