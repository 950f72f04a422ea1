-- The foundation: reference provinces, organisations, people, roles, one-time tokens and
-- sign-in throttling. Timestamps are UTC.
CREATE TABLE provinces (
  id INTEGER PRIMARY KEY NOT NULL,
  name_en TEXT NOT NULL,
  name_km TEXT NOT NULL,
  is_capital BOOLEAN NOT NULL DEFAULT 0
);

CREATE TABLE organisations (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  parent_id BIGINT REFERENCES organisations (id),
  slug TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('ministry', 'department', 'provincial_office', 'district_office', 'ngo')),
  name_km TEXT NOT NULL,
  name_en TEXT NOT NULL,
  province_id INTEGER REFERENCES provinces (id),
  created_at TIMESTAMP NOT NULL
);
CREATE INDEX organisations_parent ON organisations (parent_id);

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT,
  name_km TEXT NOT NULL,
  name_latin TEXT NOT NULL,
  position TEXT NOT NULL DEFAULT '',
  organisation_id BIGINT REFERENCES organisations (id),
  province_id INTEGER REFERENCES provinces (id),
  lang TEXT CHECK (lang IN ('km', 'en')),
  is_admin BOOLEAN NOT NULL DEFAULT 0,
  session_epoch INTEGER NOT NULL DEFAULT 0,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);

CREATE TABLE role_grants (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('publisher', 'coordinator')),
  organisation_id BIGINT NOT NULL REFERENCES organisations (id),
  granted_by BIGINT REFERENCES users (id),
  created_at TIMESTAMP NOT NULL,
  UNIQUE (user_id, role, organisation_id)
);

CREATE TABLE one_time_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL CHECK (purpose IN ('password_reset', 'set_password')),
  token_hash TEXT NOT NULL UNIQUE,
  expires_at TIMESTAMP NOT NULL,
  used_at TIMESTAMP,
  created_at TIMESTAMP NOT NULL
);
CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id);

CREATE TABLE sign_in_throttle (
  key TEXT PRIMARY KEY NOT NULL,
  failures INTEGER NOT NULL,
  window_started_at TIMESTAMP NOT NULL
);

-- Cambodia's capital and 24 provinces, numbered by their official codes.
INSERT INTO provinces (id, name_en, name_km, is_capital) VALUES
  (1, 'Banteay Meanchey', 'បន្ទាយមានជ័យ', 0),
  (2, 'Battambang', 'បាត់ដំបង', 0),
  (3, 'Kampong Cham', 'កំពង់ចាម', 0),
  (4, 'Kampong Chhnang', 'កំពង់ឆ្នាំង', 0),
  (5, 'Kampong Speu', 'កំពង់ស្ពឺ', 0),
  (6, 'Kampong Thom', 'កំពង់ធំ', 0),
  (7, 'Kampot', 'កំពត', 0),
  (8, 'Kandal', 'កណ្ដាល', 0),
  (9, 'Koh Kong', 'កោះកុង', 0),
  (10, 'Kratié', 'ក្រចេះ', 0),
  (11, 'Mondulkiri', 'មណ្ឌលគិរី', 0),
  (12, 'Phnom Penh', 'ភ្នំពេញ', 1),
  (13, 'Preah Vihear', 'ព្រះវិហារ', 0),
  (14, 'Prey Veng', 'ព្រៃវែង', 0),
  (15, 'Pursat', 'ពោធិ៍សាត់', 0),
  (16, 'Ratanakiri', 'រតនគិរី', 0),
  (17, 'Siem Reap', 'សៀមរាប', 0),
  (18, 'Preah Sihanouk', 'ព្រះសីហនុ', 0),
  (19, 'Stung Treng', 'ស្ទឹងត្រែង', 0),
  (20, 'Svay Rieng', 'ស្វាយរៀង', 0),
  (21, 'Takéo', 'តាកែវ', 0),
  (22, 'Oddar Meanchey', 'ឧត្ដរមានជ័យ', 0),
  (23, 'Kep', 'កែប', 0),
  (24, 'Pailin', 'ប៉ៃលិន', 0),
  (25, 'Tbong Khmum', 'ត្បូងឃ្មុំ', 0);
