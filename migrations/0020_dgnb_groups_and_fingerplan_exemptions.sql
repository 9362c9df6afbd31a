-- Issue 14: a DGNB record's score in each of the five assessed criteria groups, and a
-- building's exemption from the Fingerplan's office rule (stationsnærhedsprincippet).
--
-- The rules (a level needs its least score in every group; the total is the groups' weighted
-- sum; a new or enlarged office over 1,500 m² more than 600 m from a station needs an
-- exemption) live in src/domain/dgnb.rs and src/domain/fingerplan.rs and are checked on every
-- save; the database keeps only what a row can say on its own.

-- Percent, 0-100, as certificates report them; NULL where the record gives no group scores
-- (the five are given together or not at all: checked on save, where the error names the field).
ALTER TABLE dgnb_records
    ADD COLUMN environmental_pct double precision CHECK (environmental_pct BETWEEN 0 AND 100),
    ADD COLUMN economic_pct      double precision CHECK (economic_pct BETWEEN 0 AND 100),
    ADD COLUMN social_pct        double precision CHECK (social_pct BETWEEN 0 AND 100),
    ADD COLUMN technical_pct     double precision CHECK (technical_pct BETWEEN 0 AND 100),
    ADD COLUMN process_pct       double precision CHECK (process_pct BETWEEN 0 AND 100);

-- The exemption a planner records for an office outside the station-near zone: the lokalplan
-- that allows it, and why (both public: see src/domain/fingerplan.rs). Both or neither.
ALTER TABLE buildings
    ADD COLUMN fingerplan_exemption_lokalplan text CHECK (fingerplan_exemption_lokalplan <> ''),
    ADD COLUMN fingerplan_exemption_reason    text CHECK (fingerplan_exemption_reason <> ''),
    ADD CONSTRAINT buildings_fingerplan_exemption_whole
        CHECK ((fingerplan_exemption_lokalplan IS NULL) = (fingerplan_exemption_reason IS NULL));
