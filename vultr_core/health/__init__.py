"""PostgreSQL, Valkey, management API and inference health: probes, checks, history, text."""
