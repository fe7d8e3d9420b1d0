-- What changed, not full copies: a resource gets a row when it appears and a new row when its
-- plan, status, power, tags, region, label or list price changes; the old row is closed
-- (valid_to) then, or when the resource disappears (ended = 'destroyed').
CREATE TABLE resource_versions (
    resource_id text NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_to timestamptz,
    began text NOT NULL CHECK (began IN ('baseline', 'created', 'changed')),
    ended text CHECK (ended IN ('changed', 'destroyed')),
    category text NOT NULL,
    label text NOT NULL,
    region text NOT NULL,
    plan text NOT NULL,
    status text NOT NULL,
    power text NOT NULL,
    tags text[] NOT NULL,
    monthly_usd numeric(14, 4) NOT NULL,
    cap_hours integer NOT NULL,
    priced boolean NOT NULL,
    created_at timestamptz,
    PRIMARY KEY (resource_id, valid_from),
    CHECK ((valid_to IS NULL) = (ended IS NULL))
);

-- At most one open row per resource: what it looks like now.
CREATE UNIQUE INDEX resource_versions_current ON resource_versions (resource_id)
    WHERE valid_to IS NULL;
-- The change feed reads rows by when they began, and destructions by when they ended.
CREATE INDEX resource_versions_began ON resource_versions (valid_from);
CREATE INDEX resource_versions_destroyed ON resource_versions (valid_to)
    WHERE ended = 'destroyed';
