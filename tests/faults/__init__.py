"""The fault matrix: every page and command against every way its services misbehave."""
