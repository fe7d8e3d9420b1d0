"""What the account costs: run-rates, forecasts, history, waste, the summary and its charts."""
