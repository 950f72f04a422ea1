DROP TABLE certificates;
DROP TABLE signing_keys;
