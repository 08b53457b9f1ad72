// Package client is the Go client of commentd's gRPC API.
//
// Dial returns a Client holding one connection and the two generated
// service clients, Comments (for site backends) and Moderation (for
// moderators), plus iterators that follow next_page_token across pages:
//
//	c, err := client.Dial(ctx, "127.0.0.1:50051", client.WithToken(key))
//	if err != nil { … }
//	defer c.Close()
//	resp, err := c.Comments.SubmitComment(ctx, &pb.SubmitCommentRequest{…, RequestId: id})
//
// Queue, PublishedComments, Bans and AuditEvents are iterators over whole
// listings: they fetch the pages as the loop goes, following
// next_page_token, and stop fetching when the loop breaks:
//
//	for d, err := range c.Queue(ctx, &pb.ListQueueRequest{PageSize: 100}) {
//		if err != nil { … }
//		…
//	}
//
// Calls that fail with UNAVAILABLE are retried by gRPC itself, a bounded
// number of times with exponential backoff (see RetryServiceConfig); no
// other status is retried. A retried SubmitComment is stored once only when
// it carries a request_id, so always send one.
//
// The connection is plaintext for now. A token is sent only to a loopback
// address (or a Unix socket) unless WithInsecureToken is given, so a
// moderator's token cannot leak onto a network by a typo in the address.
package client

import (
	"context"
	"fmt"

	"google.golang.org/grpc"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// Client is a connection to commentd. It is safe for concurrent use.
type Client struct {
	conn *grpc.ClientConn

	// Comments is CommentService, called by site backends.
	Comments pb.CommentServiceClient
	// Moderation is ModerationService, called by moderators.
	Moderation pb.ModerationServiceClient
}

// Dial returns a Client for target, a gRPC target such as
// "127.0.0.1:50051", "dns:///commentd.internal:50051" or
// "unix:///run/commentd.sock". It does not wait for the connection: the
// first call does, and fails with UNAVAILABLE if the server cannot be
// reached after the retries.
//
// ctx bounds the set-up only; the connection lives until Close.
func Dial(ctx context.Context, target string, opts ...Option) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	dialOpts, err := o.dialOptions(target)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(target, dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	conn.Connect() // start connecting now, so the first call waits less
	return &Client{
		conn:       conn,
		Comments:   pb.NewCommentServiceClient(conn),
		Moderation: pb.NewModerationServiceClient(conn),
	}, nil
}

// Conn returns the underlying connection, for other services on the same
// server such as grpc.health.v1.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Close closes the connection; calls in flight fail with CANCELED.
func (c *Client) Close() error {
	if err := c.conn.Close(); err != nil {
		return fmt.Errorf("client: close: %w", err)
	}
	return nil
}
