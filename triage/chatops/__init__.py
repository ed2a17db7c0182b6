"""Chat-ops: a platform-neutral command core (parse, dispatch with the sender's rights, Chinese markdown replies).

Adapters (api/routes/chat.py) verify their platform's signature, build a :class:`~triage.chatops.core.Message`
and call :func:`~triage.chatops.core.handle`; everything chat-specific below that line lives here."""
