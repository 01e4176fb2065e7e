-- What a directive has done since it was applied (candidates it rejected, expansions it blocked, the
-- experiment it injected and how that went), rewritten by the campaign as the effect grows. Kept apart
-- from outcome, which says what applying it did at the time.
ALTER TABLE directive ADD COLUMN effect TEXT;

-- A directive withdrawn by a later one (/revoke) is kept, marked revoked: no longer in force.
ALTER TABLE directive DROP CONSTRAINT directive_status_check;
ALTER TABLE directive ADD CONSTRAINT directive_status_check
    CHECK (status IN ('pending', 'applied', 'rejected', 'revoked'));
