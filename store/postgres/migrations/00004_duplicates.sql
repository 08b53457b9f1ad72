-- The duplicate rule — one comment per site, article, author (author_key)
-- and text (body_fingerprint), in any status but deleted (5) — enforced
-- by a unique index, so that it holds when identical submissions race,
-- on one replica or several. Comments without author keys (stored before
-- they existed) and erased ones are outside it. Queries repeat the
-- predicate word for word (storesql.DuplicatePredicate).

-- +goose Up
-- A database written before this rule may already hold duplicates, stored
-- by submissions that raced. The oldest of each (by create_time, id) stays
-- in the index; the later ones get a blank body_fingerprint, which takes
-- them out of it. Only the duplicate rule reads the fingerprint, so they
-- stay what they were in every other way (author_key, which also says
-- whether an author has an approved comment, is kept).
UPDATE comments SET body_fingerprint = ''
WHERE status <> 5 AND author_key <> '' AND body_fingerprint <> ''
  AND EXISTS (
    SELECT 1 FROM comments AS older
    WHERE older.site = comments.site AND older.article_id = comments.article_id
      AND older.author_key = comments.author_key AND older.body_fingerprint = comments.body_fingerprint
      AND older.status <> 5
      AND (older.create_time, older.id) < (comments.create_time, comments.id));

-- The unique index also serves the duplicate lookup the old one did.
DROP INDEX comments_author_fingerprint;
CREATE UNIQUE INDEX comments_duplicate ON comments (site, article_id, author_key, body_fingerprint)
WHERE status <> 5 AND author_key <> '' AND body_fingerprint <> '';

-- +goose Down
DROP INDEX comments_duplicate;
CREATE INDEX comments_author_fingerprint ON comments (site, article_id, author_key, body_fingerprint);
