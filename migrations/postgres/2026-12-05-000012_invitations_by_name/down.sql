DROP INDEX invitations_name;
