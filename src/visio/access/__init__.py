"""Who may enter a meeting and do what: roles, access levels, lobby, join tokens."""
