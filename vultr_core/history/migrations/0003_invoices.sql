-- Each month's invoice: the month's last hours are known only from it (spend.py).
CREATE TABLE invoices (
    month date PRIMARY KEY,
    amount_usd numeric(14, 2) NOT NULL,
    invoice_id text NOT NULL,
    recorded_at timestamptz NOT NULL
);
