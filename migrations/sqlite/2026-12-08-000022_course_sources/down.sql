DROP TABLE version_files;
DROP TABLE source_blobs;
