-- The audit log: who did what, when, from where. Append-only: triggers refuse any change.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  at TIMESTAMP NOT NULL,
  actor_id BIGINT,
  actor TEXT NOT NULL,
  address TEXT,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
