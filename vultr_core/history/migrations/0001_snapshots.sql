-- One row per hour in which a snapshot was taken: the account's pending charges then (the
-- month to date, in total and by category). Retention keeps every hour for 14 days, then the
-- last snapshot of each UTC day, for 400 days (retention.py).
CREATE TABLE snapshots (
    hour timestamptz PRIMARY KEY,
    taken_at timestamptz NOT NULL,
    pending_total_usd numeric(14, 2) NOT NULL,
    resource_count integer NOT NULL,
    source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'demo-past'))
);

CREATE TABLE snapshot_categories (
    hour timestamptz NOT NULL REFERENCES snapshots (hour) ON DELETE CASCADE,
    category text NOT NULL,
    month_to_date_usd numeric(14, 2) NOT NULL,
    PRIMARY KEY (hour, category)
);
