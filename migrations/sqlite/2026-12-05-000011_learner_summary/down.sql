ALTER TABLE enrolments DROP COLUMN certified;
ALTER TABLE enrolments DROP COLUMN completed_at;
ALTER TABLE enrolments DROP COLUMN chapters_read;
