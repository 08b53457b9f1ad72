package client

// MaxAttempts is how many times a call is tried in all when the server
// answers UNAVAILABLE: the first try and up to three retries.
const MaxAttempts = 4

// RetryServiceConfig is the gRPC service config Dial installs (see
// https://github.com/grpc/grpc/blob/master/doc/service_config.md and
// gRFC A6). Both services retry UNAVAILABLE only — commentd answers it
// when its store is down, and gRPC when the server cannot be reached —
// with exponential backoff from 0.1 s to 2 s (randomised by gRPC).
// Every other status, DEADLINE_EXCEEDED included, comes back at once:
// it would fail the same way again, or the work may have been done.
//
// Retry throttling stops retries across the connection when most calls
// fail, so a down server is not hammered by every caller's retries.
//
// Retrying is safe for commentd's calls: SubmitComment with a request_id
// returns the first answer, CreateBan with a request_id returns the first
// ban, and the other moderator actions are idempotent (at worst, a
// CreateBan without a request_id whose commit outlived the error leaves
// two equal bans). SubmitComment without a request_id may store a comment
// twice.
const RetryServiceConfig = `{
  "methodConfig": [{
    "name": [
      {"service": "commentd.v1.CommentService"},
      {"service": "commentd.v1.ModerationService"}
    ],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.1s",
      "maxBackoff": "2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }],
  "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}
}`
