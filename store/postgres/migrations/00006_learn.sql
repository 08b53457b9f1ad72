-- The learned rule's statistics (moderation/learn). Each comment a
-- moderator decided carries one label with the tokens it was counted
-- with, so that a changed decision takes exactly those tokens back. The
-- counts are per site; a token, a 64-bit hash, is stored as bigint with
-- the same bits. learn_events lets replicas replay changes in seq order;
-- its writers are serialised (an advisory lock), so seq order is commit
-- order.

-- +goose Up
CREATE TABLE comment_labels (
    comment_id text COLLATE "C" PRIMARY KEY,
    site       text     NOT NULL,
    label      smallint NOT NULL CHECK (label IN (1, 2)),
    tokens     bytea    NOT NULL
);

CREATE TABLE learned_tokens (
    site  text   NOT NULL,
    token bigint NOT NULL,
    spam  bigint NOT NULL CHECK (spam >= 0),
    ham   bigint NOT NULL CHECK (ham >= 0),
    PRIMARY KEY (site, token)
);

CREATE TABLE learned_totals (
    site text   PRIMARY KEY,
    spam bigint NOT NULL CHECK (spam >= 0),
    ham  bigint NOT NULL CHECK (ham >= 0)
);

CREATE TABLE learn_events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site        text        NOT NULL,
    from_label  smallint    NOT NULL,
    to_label    smallint    NOT NULL,
    tokens      bytea       NOT NULL,
    new_tokens  bytea       NOT NULL,
    create_time timestamptz NOT NULL
);

CREATE INDEX learn_events_time ON learn_events (create_time);

-- +goose Down
DROP TABLE learn_events;
DROP TABLE learned_totals;
DROP TABLE learned_tokens;
DROP TABLE comment_labels;
