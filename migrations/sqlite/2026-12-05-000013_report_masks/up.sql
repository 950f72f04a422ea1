-- Chapter reach and the most-missed questions from one row a person or an attempt, instead
-- of every progress row and every answer. Each chapter key of a course gets a bit, given
-- once when a version with it is published (at most 63 keys a course, so that a mask stays
-- a positive BIGINT; the report reads the progress rows of any key beyond). An enrolment
-- keeps the mask of the chapters the learner opened. A submitted attempt keeps which
-- questions were answered and which missed, a bit per question in the order of its
-- version's final assessment, written when the attempt is graded (NULL for an attempt not
-- yet tallied or a final assessment of more than 63 questions: the report reads its
-- answers).
CREATE TABLE chapter_bits (
  course_id BIGINT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  chapter_key TEXT NOT NULL,
  mask BIGINT NOT NULL,
  PRIMARY KEY (course_id, chapter_key),
  UNIQUE (course_id, mask)
);

INSERT INTO chapter_bits (course_id, chapter_key, mask)
  SELECT course_id, chapter_key, 1 << (n - 1) FROM (
    SELECT v.course_id, c.chapter_key,
           ROW_NUMBER() OVER (PARTITION BY v.course_id ORDER BY MIN(c.id)) AS n
    FROM chapters c JOIN course_versions v ON v.id = c.version_id
    WHERE v.published_at IS NOT NULL
    GROUP BY v.course_id, c.chapter_key) AS numbered
  WHERE n <= 63;

ALTER TABLE enrolments ADD COLUMN chapters_opened BIGINT NOT NULL DEFAULT 0;

UPDATE enrolments SET chapters_opened = (
  SELECT COALESCE(SUM(b.mask), 0) FROM chapter_bits b
  WHERE b.course_id = enrolments.course_id AND b.chapter_key IN (
    SELECT p.chapter_key FROM chapter_progress p
    WHERE p.user_id = enrolments.user_id AND p.course_id = enrolments.course_id));

ALTER TABLE attempts ADD COLUMN answered_bits BIGINT;
ALTER TABLE attempts ADD COLUMN missed_bits BIGINT;

-- The attempts a report has to read the answers of, found without reading the others.
CREATE INDEX attempts_untallied ON attempts (course_id)
  WHERE answered_bits IS NULL AND submitted_at IS NOT NULL;
