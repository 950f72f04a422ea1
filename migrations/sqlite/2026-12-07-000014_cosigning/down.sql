DROP TABLE endorsements;
DROP TABLE cosign_requests;
ALTER TABLE course_versions DROP COLUMN terms_hash;
DROP TABLE signatories;
ALTER TABLE organisations DROP COLUMN logo_hash;
