DROP TABLE draft_files;
DROP TABLE drafts;
