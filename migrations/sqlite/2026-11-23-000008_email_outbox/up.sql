-- Every email Sala sends: written in the transaction of the change that caused it, then
-- delivered by the sender, which leases a row before sending so that of several
-- instances only one sends it. status: queued (waiting or retrying), sent, failed (gave up).
CREATE TABLE email_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  kind TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMP NOT NULL,
  leased_by TEXT,
  leased_until TIMESTAMP,
  last_error TEXT,
  created_at TIMESTAMP NOT NULL,
  sent_at TIMESTAMP
);
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at);
