"""The HTTP API served beside the UI: JSON routes, Prometheus metrics, access rules, load limits."""
