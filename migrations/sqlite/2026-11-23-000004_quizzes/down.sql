DROP TABLE completions;
DROP TABLE attempt_answers;
DROP TABLE attempts;
