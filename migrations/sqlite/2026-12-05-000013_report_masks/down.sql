DROP INDEX attempts_untallied;
ALTER TABLE attempts DROP COLUMN missed_bits;
ALTER TABLE attempts DROP COLUMN answered_bits;
ALTER TABLE enrolments DROP COLUMN chapters_opened;
DROP TABLE chapter_bits;
