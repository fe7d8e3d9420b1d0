"""Spend memory: what the account looked like and cost, hour by hour, kept in PostgreSQL.

Where it lives: ``location`` (``HISTORY_DATABASE_URL``, or an embedded PostgreSQL, throwaway in
demo mode and ``persistent`` otherwise), ``store`` (connections), ``migrations`` (its schema).
Collecting: ``snapshot`` records the inventory and the pending charges once an hour, ``writer``
stores only what changed (``records`` says what a state is), ``retention`` thins old points,
``background`` is the app's own hourly snapshot, ``demo`` replays the simulator's past.
Answering: ``spend`` (daily spend, month over month), ``billing`` (list-price estimates under
Vultr's caps), ``changes`` (what changed and what it costs), ``anomalies``, ``budgets``
(``budget_setting`` parses ``BUDGETS``), ``alerts`` (posted by ``webhook``); ``commands`` and
``charts`` show them.
"""
