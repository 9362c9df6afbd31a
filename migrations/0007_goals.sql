-- Policy goals the analytics measure progress against, and what kind of development an area is.

-- A new town counts all its jobs as new; a revitalised business area only those on plots that
-- are not yet built (its built plots hold the jobs it already had).
ALTER TABLE areas ADD COLUMN development text NOT NULL DEFAULT 'new_town'
    CHECK (development IN ('new_town', 'revitalisation'));

CREATE TABLE goals (
    -- An area slug, or 'municipality' for Ballerup Kommune as a whole.
    scope  text NOT NULL CHECK (scope ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    metric text NOT NULL CHECK (metric IN ('homes', 'jobs', 'new_private_jobs')),
    target integer NOT NULL CHECK (target > 0),
    source text,
    PRIMARY KEY (scope, metric)
);

-- Defaults from shared/domain.md; change them with UPDATE goals.
INSERT INTO goals (scope, metric, target, source) VALUES
    ('kildedal', 'homes', 2000, 'Kildedal programme: about 2,000 homes by 2035 (kildedalby.dk/vision)'),
    ('kildedal', 'jobs', 5000, 'Kildedal programme: about 5,000 jobs by 2035 (kildedalby.dk/vision)'),
    ('municipality', 'new_private_jobs', 3000, 'Ballerup business and growth policy: 3,000 new private jobs');
