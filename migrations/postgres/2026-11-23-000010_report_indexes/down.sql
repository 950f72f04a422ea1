DROP INDEX chapter_progress_course;
DROP INDEX invitations_office;
DROP INDEX invitations_province;
