-- Quizzes: attempts at the final assessment, their answers (saved one by one, so a lost
-- connection loses nothing), and completions (recorded once per learner and course).
CREATE TABLE attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  course_id BIGINT NOT NULL REFERENCES courses (id),
  version_id BIGINT NOT NULL REFERENCES course_versions (id),
  number INTEGER NOT NULL,
  seed BIGINT NOT NULL,
  draw TEXT NOT NULL,
  started_at TIMESTAMP NOT NULL,
  submitted_at TIMESTAMP,
  score INTEGER,
  passed BOOLEAN,
  UNIQUE (user_id, course_id, number)
);

CREATE TABLE attempt_answers (
  attempt_id BIGINT NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
  question_key TEXT NOT NULL,
  chosen TEXT NOT NULL,
  answered_at TIMESTAMP NOT NULL,
  PRIMARY KEY (attempt_id, question_key)
);

CREATE TABLE completions (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  course_id BIGINT NOT NULL REFERENCES courses (id),
  version_id BIGINT NOT NULL REFERENCES course_versions (id),
  version_number INTEGER NOT NULL,
  score INTEGER NOT NULL,
  completed_at TIMESTAMP NOT NULL,
  PRIMARY KEY (user_id, course_id)
);
