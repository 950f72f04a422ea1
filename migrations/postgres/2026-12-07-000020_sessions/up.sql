-- One row per signed-in browser, so that signing out ends that session even where its
-- cookie was copied, and a session nobody used for a while ends (the idle timeout). The
-- cookie holds a random id; the row is keyed by its SHA-256, so a copy of the database
-- cannot be turned into a cookie. `last_seen_at` is moved at most every few minutes.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at TIMESTAMP NOT NULL,
  last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
