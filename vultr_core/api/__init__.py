"""The Vultr management API: HTTP with retries and pacing, errors, parsing, models, the client."""
