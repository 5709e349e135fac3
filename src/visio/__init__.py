"""Visio: sovereign, self-hosted video conferencing."""

__version__ = "0.1.0"
