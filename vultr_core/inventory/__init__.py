"""The account's resources as tables: instances, databases and Valkey with their costs."""
