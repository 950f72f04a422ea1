-- Certificates: each organisation's signing keys (the private half sealed with the
-- instance secret; retired keys stay, so old certificates keep verifying) and the
-- certificates issued, with their signed credential and their revocation.
CREATE TABLE signing_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  organisation_id BIGINT NOT NULL REFERENCES organisations (id),
  name TEXT NOT NULL,
  public_key BLOB NOT NULL,
  sealed_private_key BLOB NOT NULL,
  created_at TIMESTAMP NOT NULL,
  retired_at TIMESTAMP,
  UNIQUE (organisation_id, name)
);
-- One current key per organisation.
CREATE UNIQUE INDEX signing_keys_current ON signing_keys (organisation_id) WHERE retired_at IS NULL;

CREATE TABLE certificates (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  serial TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users (id),
  course_id BIGINT NOT NULL REFERENCES courses (id),
  version_id BIGINT NOT NULL REFERENCES course_versions (id),
  key_id BIGINT NOT NULL REFERENCES signing_keys (id),
  status_index BIGINT NOT NULL,
  name_km TEXT NOT NULL,
  name_latin TEXT NOT NULL,
  score INTEGER NOT NULL,
  completed_at TIMESTAMP NOT NULL,
  issued_at TIMESTAMP NOT NULL,
  credential TEXT NOT NULL,
  revoked_at TIMESTAMP,
  revoked_reason TEXT,
  revoked_by BIGINT REFERENCES users (id),
  replaced_by TEXT,
  UNIQUE (key_id, status_index)
);
-- At most one certificate in force per learner and course.
CREATE UNIQUE INDEX certificates_in_force ON certificates (user_id, course_id) WHERE revoked_at IS NULL;
CREATE INDEX certificates_course ON certificates (course_id);
