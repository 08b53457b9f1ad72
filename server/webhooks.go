package server

import (
	"context"
	"strconv"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func (s *moderationService) ListWebhookDeliveries(ctx context.Context, req *pb.ListWebhookDeliveriesRequest) (*pb.ListWebhookDeliveriesResponse, error) {
	q := moderation.DeliveryQuery{
		State:     moderation.DeliveryState(req.GetState()),
		Retrying:  req.GetRetrying(),
		Endpoint:  req.GetEndpoint(),
		CommentID: req.GetCommentId(),
	}
	if _, known := pb.WebhookDeliveryState_name[int32(req.GetState())]; !known {
		return nil, toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "state", Description: "is not a known delivery state"}))
	}
	fp := listing("ListWebhookDeliveries", q.State.String(), strconv.FormatBool(q.Retrying), q.Endpoint, q.CommentID)
	after, err := decodeToken(fp, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	ds, next, err := s.svc.WebhookDeliveries(ctx, q, moderation.Page{Size: int(req.GetPageSize()), After: after})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &pb.ListWebhookDeliveriesResponse{
		Deliveries:    make([]*pb.WebhookDelivery, len(ds)),
		NextPageToken: encodeToken(fp, next),
	}
	for i, d := range ds {
		resp.Deliveries[i] = webhookDelivery(d)
	}
	return resp, nil
}

func (s *moderationService) RedeliverWebhooks(ctx context.Context, req *pb.RedeliverWebhooksRequest) (*pb.RedeliverWebhooksResponse, error) {
	n, err := s.svc.Redeliver(ctx, moderation.RedeliveryRequest{
		Actor:    identityOf(ctx).Moderator,
		ID:       req.GetId(),
		AllDead:  req.GetAllDead(),
		Endpoint: req.GetEndpoint(),
		Note:     req.GetNote(),
	})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &pb.RedeliverWebhooksResponse{Redelivered: n}, nil
}

// webhookDelivery converts a delivery, without its body: listings carry
// no reader data.
func webhookDelivery(d moderation.Delivery) *pb.WebhookDelivery {
	out := &pb.WebhookDelivery{
		Id:              d.ID,
		EventId:         d.EventID,
		EventType:       d.EventType,
		Endpoint:        d.Endpoint,
		Site:            d.Site,
		CommentId:       d.CommentID,
		State:           pb.WebhookDeliveryState(d.State),
		Attempts:        int32(d.Attempts),
		CreateTime:      timestamp(d.CreateTime),
		LastAttemptTime: timestamp(d.LastAttempt),
		LastError:       d.LastError,
		DoneTime:        timestamp(d.DoneTime),
	}
	if d.State == moderation.DeliveryPending {
		out.NextAttemptTime = timestamp(d.NextAttempt)
	}
	return out
}
