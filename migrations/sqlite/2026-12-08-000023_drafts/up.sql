-- A draft in the course studio: a course folder its organisation's publishers edit in the
-- browser, started from a published version. Its files are the folder's files, each a
-- blob stored once by content (source_blobs, migration 000022). "Check and preview" turns
-- the files into a version without a number, as an upload does.
CREATE TABLE drafts (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  organisation_id BIGINT NOT NULL REFERENCES organisations (id),
  course_slug TEXT NOT NULL,
  base_version_id BIGINT REFERENCES course_versions (id) ON DELETE SET NULL,
  created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
  updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);

CREATE TABLE draft_files (
  draft_id BIGINT NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  hash TEXT NOT NULL REFERENCES source_blobs (hash),
  PRIMARY KEY (draft_id, path)
);
