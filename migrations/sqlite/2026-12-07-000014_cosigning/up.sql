-- Who signs a certificate is decided by the organisations, not by an uploaded file
-- (issue 27): an organisation's logo is in its own record; each organisation keeps its
-- list of signatories; a course version records the digest of what its certificate says
-- and requires (its terms); a co-signing organisation consents to a course's terms before
-- its key endorses anything; and each endorsement is a row of its own, with its place in
-- the co-signer's status list, so the co-signer can revoke it.
ALTER TABLE organisations ADD COLUMN logo_hash TEXT;

CREATE TABLE signatories (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  organisation_id BIGINT NOT NULL REFERENCES organisations (id),
  handle TEXT NOT NULL,
  name_km TEXT NOT NULL,
  name_en TEXT NOT NULL,
  title_km TEXT NOT NULL,
  title_en TEXT NOT NULL,
  signature_hash TEXT,
  created_by BIGINT REFERENCES users (id),
  created_at TIMESTAMP NOT NULL,
  retired_at TIMESTAMP,
  UNIQUE (organisation_id, handle)
);

ALTER TABLE course_versions ADD COLUMN terms_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE cosign_requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  course_id BIGINT NOT NULL REFERENCES courses (id),
  version_id BIGINT NOT NULL REFERENCES course_versions (id),
  organisation_id BIGINT NOT NULL REFERENCES organisations (id),
  terms_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'consented', 'refused', 'withdrawn')),
  requested_by BIGINT REFERENCES users (id),
  requested_at TIMESTAMP NOT NULL,
  decided_by BIGINT REFERENCES users (id),
  decided_at TIMESTAMP,
  UNIQUE (course_id, organisation_id, terms_hash)
);
CREATE INDEX cosign_requests_organisation ON cosign_requests (organisation_id, status);

CREATE TABLE endorsements (
  certificate_id BIGINT PRIMARY KEY NOT NULL REFERENCES certificates (id),
  organisation_id BIGINT NOT NULL REFERENCES organisations (id),
  key_id BIGINT NOT NULL REFERENCES signing_keys (id),
  status_index BIGINT NOT NULL,
  endorsed_at TIMESTAMP NOT NULL,
  revoked_at TIMESTAMP,
  revoked_by BIGINT REFERENCES users (id),
  revoked_reason TEXT,
  UNIQUE (key_id, status_index)
);
CREATE INDEX endorsements_organisation ON endorsements (organisation_id, endorsed_at);
