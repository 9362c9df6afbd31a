-- An admin's change of a goal (its period, target, title, source) is recorded like every change
-- (PATCH /goals/{id}). Migration 0019, already applied where plotline runs, is left as it was.
ALTER TABLE history DROP CONSTRAINT history_entity_check;
ALTER TABLE history ADD CONSTRAINT history_entity_check
    CHECK (entity IN ('plot', 'building', 'dgnb_record', 'plot_internal', 'document', 'company',
                      'company_internal', 'goal'));
CREATE TRIGGER goals_history AFTER INSERT OR DELETE ON goals
    FOR EACH ROW EXECUTE FUNCTION record_history('goal', 'id', '');
CREATE TRIGGER goals_history_update AFTER UPDATE ON goals
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION record_history('goal', 'id', '');
