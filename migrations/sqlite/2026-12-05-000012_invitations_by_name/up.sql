-- The report's people list is sorted by name and shows a page at a time: with this index
-- the first page of a whole course is read in order instead of sorting 100 000 people.
CREATE INDEX invitations_name ON invitations (name_latin, id);
