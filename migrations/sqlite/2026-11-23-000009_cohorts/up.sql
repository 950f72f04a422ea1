-- Cohorts: a course taken by a group of staff between two dates, owned by the
-- organisation of the coordinator who made it. Reminder rules are day counts; NULL is off.
CREATE TABLE cohorts (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  organisation_id BIGINT NOT NULL REFERENCES organisations (id),
  course_id BIGINT NOT NULL REFERENCES courses (id),
  name TEXT NOT NULL,
  starts_on DATE NOT NULL,
  due_on DATE NOT NULL,
  remind_not_started_days INTEGER,
  remind_idle_days INTEGER,
  remind_before_due_days INTEGER,
  created_by BIGINT REFERENCES users (id),
  created_at TIMESTAMP NOT NULL,
  UNIQUE (organisation_id, name)
);
CREATE INDEX cohorts_course ON cohorts (course_id);

-- The offices a cohort covers (organisations in the owner's subtree).
CREATE TABLE cohort_offices (
  cohort_id BIGINT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
  organisation_id BIGINT NOT NULL REFERENCES organisations (id),
  PRIMARY KEY (cohort_id, organisation_id)
);

-- One person invited to one cohort. The link in their email is derived from the id and
-- the instance secret, so no token is stored. user_id is set when they sign up or sign in.
CREATE TABLE invitations (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  cohort_id BIGINT NOT NULL REFERENCES cohorts (id),
  email TEXT NOT NULL,
  name_km TEXT NOT NULL,
  name_latin TEXT NOT NULL,
  office_id BIGINT REFERENCES organisations (id),
  province_id INTEGER REFERENCES provinces (id),
  position TEXT NOT NULL DEFAULT '',
  invited_at TIMESTAMP NOT NULL,
  invited_by BIGINT REFERENCES users (id),
  user_id BIGINT REFERENCES users (id),
  accepted_at TIMESTAMP,
  reminders_off_at TIMESTAMP,
  UNIQUE (cohort_id, email)
);
CREATE INDEX invitations_user ON invitations (user_id);
CREATE INDEX invitations_email ON invitations (email);

-- Each reminder rule fires at most once per invitation: the primary key makes a second
-- send (another instance, a rerun) fail instead of mailing twice.
CREATE TABLE reminders_sent (
  invitation_id BIGINT NOT NULL REFERENCES invitations (id),
  rule TEXT NOT NULL,
  sent_at TIMESTAMP NOT NULL,
  PRIMARY KEY (invitation_id, rule)
);
