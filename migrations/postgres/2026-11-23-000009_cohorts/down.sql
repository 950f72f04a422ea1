DROP TABLE reminders_sent;
DROP TABLE invitations;
DROP TABLE cohort_offices;
DROP TABLE cohorts;
