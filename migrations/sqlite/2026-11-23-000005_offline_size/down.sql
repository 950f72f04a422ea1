ALTER TABLE course_versions DROP COLUMN offline_bytes;
