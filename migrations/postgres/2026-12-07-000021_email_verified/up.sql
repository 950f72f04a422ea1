-- When the person proved they read mail at the account's address: by a join link (sent
-- there), or by a password link (reset or first password, sent there). Self-registration
-- proves nothing, and an account whose address is not proven claims no invitation by it.
-- Accounts made before this column existed keep what they had: they count as proven.
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP;
UPDATE users SET email_verified_at = created_at;
