-- What saving a version for offline reading downloads at most (pages in one language and
-- every picture they show), so the catalogue can say it before anyone spends the data.
ALTER TABLE course_versions ADD COLUMN offline_bytes BIGINT NOT NULL DEFAULT 0;
