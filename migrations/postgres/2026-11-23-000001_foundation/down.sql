DROP TABLE sign_in_throttle;
DROP TABLE one_time_tokens;
DROP TABLE role_grants;
DROP TABLE users;
DROP TABLE organisations;
DROP TABLE provinces;
