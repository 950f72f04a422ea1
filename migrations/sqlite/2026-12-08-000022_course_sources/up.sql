-- The course folder each version (published or draft) was made from, so that any version
-- can be downloaded as the folder it came from and a draft can be edited from it. A file
-- is stored once, by the SHA-256 of its bytes: a picture unchanged between versions is
-- one row of source_blobs however many versions hold it.
CREATE TABLE source_blobs (
  hash TEXT PRIMARY KEY NOT NULL,
  bytes BLOB NOT NULL
);

CREATE TABLE version_files (
  version_id BIGINT NOT NULL REFERENCES course_versions (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  hash TEXT NOT NULL REFERENCES source_blobs (hash),
  PRIMARY KEY (version_id, path)
);
