-- The comments a ban hid when it was created with a look-back: the status
-- each had (from_status) and the one the ban moved it to (to_status), so
-- that lifting the ban with restore puts back exactly those still as the
-- ban left them. Rows go with their ban.

-- +goose Up
CREATE TABLE ban_hidden (
    ban_id      TEXT    NOT NULL,
    comment_id  TEXT    NOT NULL,
    from_status INTEGER NOT NULL,
    to_status   INTEGER NOT NULL,
    PRIMARY KEY (ban_id, comment_id)
) STRICT;

-- +goose Down
DROP TABLE ban_hidden;
