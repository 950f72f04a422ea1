-- Courses: each published version is immutable; chapters keep their stable key across
-- versions so progress carries over. Pictures are stored once, by the hash of their bytes.
CREATE TABLE courses (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  source_id TEXT NOT NULL UNIQUE,
  slug TEXT NOT NULL UNIQUE,
  organisation_id BIGINT NOT NULL REFERENCES organisations (id),
  created_at TIMESTAMP NOT NULL
);

CREATE TABLE course_versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  course_id BIGINT NOT NULL REFERENCES courses (id),
  number INTEGER,
  content_hash TEXT NOT NULL,
  title_km TEXT NOT NULL,
  title_en TEXT NOT NULL,
  summary_km TEXT NOT NULL,
  summary_en TEXT NOT NULL,
  settings TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_by BIGINT REFERENCES users (id),
  created_at TIMESTAMP NOT NULL,
  published_at TIMESTAMP,
  preview_token_hash TEXT UNIQUE,
  UNIQUE (course_id, number)
);
CREATE INDEX course_versions_course ON course_versions (course_id);

CREATE TABLE chapters (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  version_id BIGINT NOT NULL REFERENCES course_versions (id) ON DELETE CASCADE,
  chapter_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  minutes INTEGER NOT NULL,
  title_km TEXT NOT NULL,
  title_en TEXT NOT NULL,
  html_km TEXT NOT NULL,
  html_en TEXT NOT NULL,
  sections TEXT NOT NULL,
  video TEXT,
  UNIQUE (version_id, chapter_key),
  UNIQUE (version_id, position)
);

CREATE TABLE questions (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  version_id BIGINT NOT NULL REFERENCES course_versions (id) ON DELETE CASCADE,
  quiz TEXT NOT NULL CHECK (quiz IN ('practice', 'final')),
  chapter_key TEXT NOT NULL,
  question_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  UNIQUE (version_id, quiz, chapter_key, question_key)
);
CREATE INDEX questions_version ON questions (version_id);

CREATE TABLE media (
  hash TEXT PRIMARY KEY NOT NULL,
  content_type TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  bytes BLOB NOT NULL,
  created_at TIMESTAMP NOT NULL
);
