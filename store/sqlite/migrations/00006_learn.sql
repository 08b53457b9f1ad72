-- The learned rule's statistics (moderation/learn). Each comment a
-- moderator decided carries one label with the tokens it was counted
-- with, so that a changed decision takes exactly those tokens back. The
-- counts are per site; tokens are the 64-bit hashes as signed integers.
-- learn_events lets replicas replay changes in seq order;
-- AUTOINCREMENT never hands out a seq again, even after the newest
-- events were pruned.

-- +goose Up
CREATE TABLE comment_labels (
    comment_id TEXT    NOT NULL PRIMARY KEY,
    site       TEXT    NOT NULL,
    label      INTEGER NOT NULL CHECK (label IN (1, 2)),
    tokens     BLOB    NOT NULL
) STRICT;

CREATE TABLE learned_tokens (
    site  TEXT    NOT NULL,
    token INTEGER NOT NULL,
    spam  INTEGER NOT NULL CHECK (spam >= 0),
    ham   INTEGER NOT NULL CHECK (ham >= 0),
    PRIMARY KEY (site, token)
) STRICT, WITHOUT ROWID;

CREATE TABLE learned_totals (
    site TEXT    NOT NULL PRIMARY KEY,
    spam INTEGER NOT NULL CHECK (spam >= 0),
    ham  INTEGER NOT NULL CHECK (ham >= 0)
) STRICT;

CREATE TABLE learn_events (
    seq         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    site        TEXT    NOT NULL,
    from_label  INTEGER NOT NULL,
    to_label    INTEGER NOT NULL,
    tokens      BLOB    NOT NULL,
    new_tokens  BLOB    NOT NULL,
    create_time INTEGER NOT NULL
) STRICT;

CREATE INDEX learn_events_time ON learn_events (create_time);

-- +goose Down
DROP TABLE learn_events;
DROP TABLE learned_totals;
DROP TABLE learned_tokens;
DROP TABLE comment_labels;
