DROP TABLE media;
DROP TABLE questions;
DROP TABLE chapters;
DROP TABLE course_versions;
DROP TABLE courses;
