-- An alert is claimed here before it is sent, so each condition fires at most once a day
-- however many runs and replicas evaluate it; a failed delivery gives its claim back.
CREATE TABLE alerts_sent (
    condition text NOT NULL,
    day date NOT NULL,
    claimed_at timestamptz NOT NULL,
    delivered_at timestamptz,
    summary text NOT NULL,
    PRIMARY KEY (condition, day)
);

-- Waste already reported: "new waste" is what is not in here yet.
CREATE TABLE waste_seen (
    resource_id text NOT NULL,
    kind text NOT NULL,
    first_seen timestamptz NOT NULL,
    PRIMARY KEY (resource_id, kind)
);
