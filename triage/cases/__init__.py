"""Submissions, cases, assignments, the audit trail, replies and reception sessions."""
