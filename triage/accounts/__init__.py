"""Users, roles, API tokens and chat identities; who may see and do what (DESIGN.md, "who sees what")."""
