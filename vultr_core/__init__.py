"""Vultr Dashboard core: plain Python that talks to Vultr, PostgreSQL and Valkey."""

__version__ = "0.1.0"
