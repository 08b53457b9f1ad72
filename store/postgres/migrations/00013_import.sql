-- Imported history (ImportComments): each imported comment keeps the id
-- it had in the site's history, unique per site, so importing the same
-- file again stores nothing and an interrupted import resumes by running
-- it again. Submitted comments have none and stay outside the index. An
-- erased author's tombstones keep theirs, so a re-import does not bring
-- their comments back.

-- +goose Up
ALTER TABLE comments ADD COLUMN import_key text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX comments_import_key ON comments (site, import_key) WHERE import_key <> '';

-- +goose Down
DROP INDEX comments_import_key;
ALTER TABLE comments DROP COLUMN import_key;
