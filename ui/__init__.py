"""Streamlit code the pages share, one module per topic: cached clients, loaders and widgets."""
