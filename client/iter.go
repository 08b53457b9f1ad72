package client

import (
	"context"
	"fmt"
	"iter"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// The iterators below list every item of a listing, one page call at a
// time, following next_page_token until it is empty. They copy the
// request, so the caller's message is never changed, and honour its
// page_size. Each yields (item, nil) per item; a failing call yields
// (nil, err) once and ends the iteration. Breaking out of the loop stops
// the calls.

// Queue lists comments for moderation (ListQueue): PENDING, newest first,
// unless the request says otherwise. A failing page call yields its error
// once and ends the iteration; so do the other iterators.
func (c *Client) Queue(ctx context.Context, req *pb.ListQueueRequest) iter.Seq2[*pb.CommentDetail, error] {
	return pages(ctx, cloneOr(req), func(r *pb.ListQueueRequest, t string) { r.PageToken = t },
		func(ctx context.Context, r *pb.ListQueueRequest, opts ...grpc.CallOption) ([]*pb.CommentDetail, string, error) {
			resp, err := c.Moderation.ListQueue(ctx, r, opts...)
			return resp.GetComments(), resp.GetNextPageToken(), err
		})
}

// PublishedComments lists the published comments of one article
// (ListComments), oldest first.
func (c *Client) PublishedComments(ctx context.Context, req *pb.ListCommentsRequest) iter.Seq2[*pb.Comment, error] {
	return pages(ctx, cloneOr(req), func(r *pb.ListCommentsRequest, t string) { r.PageToken = t },
		func(ctx context.Context, r *pb.ListCommentsRequest, opts ...grpc.CallOption) ([]*pb.Comment, string, error) {
			resp, err := c.Comments.ListComments(ctx, r, opts...)
			return resp.GetComments(), resp.GetNextPageToken(), err
		})
}

// Bans lists the bans in force (ListBans).
func (c *Client) Bans(ctx context.Context, req *pb.ListBansRequest) iter.Seq2[*pb.Ban, error] {
	return pages(ctx, cloneOr(req), func(r *pb.ListBansRequest, t string) { r.PageToken = t },
		func(ctx context.Context, r *pb.ListBansRequest, opts ...grpc.CallOption) ([]*pb.Ban, string, error) {
			resp, err := c.Moderation.ListBans(ctx, r, opts...)
			return resp.GetBans(), resp.GetNextPageToken(), err
		})
}

// AuditEvents lists the audit trail (ListAuditEvents), newest first.
func (c *Client) AuditEvents(ctx context.Context, req *pb.ListAuditEventsRequest) iter.Seq2[*pb.AuditEvent, error] {
	return pages(ctx, cloneOr(req), func(r *pb.ListAuditEventsRequest, t string) { r.PageToken = t },
		func(ctx context.Context, r *pb.ListAuditEventsRequest, opts ...grpc.CallOption) ([]*pb.AuditEvent, string, error) {
			resp, err := c.Moderation.ListAuditEvents(ctx, r, opts...)
			return resp.GetEvents(), resp.GetNextPageToken(), err
		})
}

// WebhookDeliveries lists webhook deliveries (ListWebhookDeliveries),
// newest first.
func (c *Client) WebhookDeliveries(ctx context.Context, req *pb.ListWebhookDeliveriesRequest) iter.Seq2[*pb.WebhookDelivery, error] {
	return pages(ctx, cloneOr(req), func(r *pb.ListWebhookDeliveriesRequest, t string) { r.PageToken = t },
		func(ctx context.Context, r *pb.ListWebhookDeliveriesRequest, opts ...grpc.CallOption) ([]*pb.WebhookDelivery, string, error) {
			resp, err := c.Moderation.ListWebhookDeliveries(ctx, r, opts...)
			return resp.GetDeliveries(), resp.GetNextPageToken(), err
		})
}

// cloneOr returns a copy of req, or a new empty request when req is nil.
func cloneOr[M interface {
	proto.Message
	comparable
}](req M) M {
	var zero M
	if req == zero {
		return req.ProtoReflect().New().Interface().(M)
	}
	return proto.CloneOf(req)
}

// listFunc makes one page call.
type listFunc[Req any, Item any] func(context.Context, Req, ...grpc.CallOption) (items []Item, next string, err error)

// pages follows a listing's page tokens. req is the iterator's own copy.
func pages[Req any, Item any](ctx context.Context, req Req, setToken func(Req, string), list listFunc[Req, Item]) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		var zero Item
		token := ""
		for {
			setToken(req, token)
			items, next, err := list(ctx, req)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if next == token {
				// A server bug would otherwise loop for ever.
				yield(zero, fmt.Errorf("client: the server returned the same page token twice (%q)", next))
				return
			}
			token = next
		}
	}
}
