-- Reader reports (moderation.Report): one row per reader and comment,
-- the reader named by a keyed hash (reporter_key), never an email. States
-- are moderation.ReportState values: 1 open, 2 upheld, 3 dismissed.
--
-- reporter_weights: each reader's weight on a site, which moderators'
-- verdicts on their reports move.

-- +goose Up
CREATE TABLE comment_reports (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    site         text        NOT NULL,
    comment_id   text COLLATE "C" NOT NULL,
    reporter_key text COLLATE "C" NOT NULL,
    reason       smallint    NOT NULL CHECK (reason BETWEEN 1 AND 4),
    note         text        NOT NULL DEFAULT '',
    state        smallint    NOT NULL CHECK (state IN (1, 2, 3)),
    create_time  timestamptz NOT NULL,
    -- One report per reader and comment; also a comment's reports.
    UNIQUE (comment_id, reporter_key)
);

-- The reported comments, for the queue.
CREATE INDEX comment_reports_open ON comment_reports (comment_id) WHERE state = 1;
-- A reader's reports, for erasure.
CREATE INDEX comment_reports_reporter ON comment_reports (reporter_key);

CREATE TABLE reporter_weights (
    site         text             NOT NULL,
    reporter_key text COLLATE "C" NOT NULL,
    weight       double precision NOT NULL CHECK (weight > 0),
    PRIMARY KEY (site, reporter_key)
);

CREATE INDEX reporter_weights_reporter ON reporter_weights (reporter_key);

-- +goose Down
DROP TABLE reporter_weights;
DROP TABLE comment_reports;
