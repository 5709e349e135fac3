"""Accounts: people who sign in through an OpenID Connect provider, and their sessions."""
