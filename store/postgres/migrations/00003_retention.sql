-- Comments whose client IP or user agent still waits to be erased, by age,
-- for the retention job. The index shrinks as the job erases.

-- +goose Up
CREATE INDEX comments_client_data_time ON comments (create_time) WHERE ip <> '' OR user_agent <> '';

-- +goose Down
DROP INDEX comments_client_data_time;
