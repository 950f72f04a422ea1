DROP TABLE enrolments;
DROP TABLE chapter_progress;
