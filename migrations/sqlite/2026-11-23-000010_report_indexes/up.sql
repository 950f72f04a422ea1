-- Reports narrow invitations to a province or to offices, and look up progress by course
-- and chapter.
CREATE INDEX invitations_province ON invitations (province_id);
CREATE INDEX invitations_office ON invitations (office_id);
CREATE INDEX chapter_progress_course ON chapter_progress (course_id, chapter_key, user_id);
