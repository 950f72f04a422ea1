-- Learning: what each learner did in each chapter version. A chapter that did not change
-- between versions keeps its content hash, so its progress carries over by itself.
CREATE TABLE chapter_progress (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  course_id BIGINT NOT NULL REFERENCES courses (id),
  chapter_key TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  opened_at TIMESTAMP NOT NULL,
  read_at TIMESTAMP,
  passed_at TIMESTAMP,
  PRIMARY KEY (user_id, course_id, chapter_key, content_hash)
);

-- One row per learner and course: where they were, for "continue" and "my learning".
CREATE TABLE enrolments (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  course_id BIGINT NOT NULL REFERENCES courses (id),
  started_at TIMESTAMP NOT NULL,
  last_chapter_key TEXT NOT NULL,
  last_activity_at TIMESTAMP NOT NULL,
  PRIMARY KEY (user_id, course_id)
);
