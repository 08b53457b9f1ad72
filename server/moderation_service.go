package server

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// moderationService serves ModerationService.
type moderationService struct {
	pb.UnimplementedModerationServiceServer
	svc *moderation.Service
	log *slog.Logger
}

func (s *moderationService) ListQueue(ctx context.Context, req *pb.ListQueueRequest) (*pb.ListQueueResponse, error) {
	q := moderation.QueueQuery{
		Status:      statusFromPB(req.GetStatus()),
		ArticleID:   req.GetArticleId(),
		AuthorEmail: req.GetAuthorEmail(),
		OldestFirst: req.GetOrder() == pb.SortOrder_SORT_ORDER_OLDEST_FIRST,
	}
	if req.StartTime != nil {
		q.Since = req.GetStartTime().AsTime()
	}
	if req.EndTime != nil {
		q.Until = req.GetEndTime().AsTime()
	}
	fp := listing("ListQueue", q.Status.String(), q.ArticleID, moderation.EmailKey(q.AuthorEmail),
		timeKey(q.Since), timeKey(q.Until), strconv.FormatBool(q.OldestFirst))
	after, err := decodeToken(fp, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	cs, next, err := s.svc.ListQueue(ctx, q, moderation.Page{Size: int(req.GetPageSize()), After: after})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &pb.ListQueueResponse{
		Comments:      make([]*pb.CommentDetail, len(cs)),
		NextPageToken: encodeToken(fp, next),
	}
	for i, c := range cs {
		resp.Comments[i] = commentDetail(c)
	}
	return resp, nil
}

func timeKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

func (s *moderationService) GetCommentDetail(ctx context.Context, req *pb.GetCommentDetailRequest) (*pb.GetCommentDetailResponse, error) {
	c, err := s.svc.CommentDetail(ctx, req.GetId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &pb.GetCommentDetailResponse{Comment: commentDetail(c)}, nil
}

func (s *moderationService) ModerateComments(ctx context.Context, req *pb.ModerateCommentsRequest) (*pb.ModerateCommentsResponse, error) {
	outcomes, err := s.svc.Moderate(ctx, moderation.Moderation{
		Actor:  identityOf(ctx).Moderator,
		IDs:    req.GetIds(),
		Action: actionFromPB(req.GetAction()),
		Note:   req.GetNote(),
	})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &pb.ModerateCommentsResponse{Results: make([]*pb.ModerationResult, len(outcomes))}
	for i, o := range outcomes {
		r := &pb.ModerationResult{Id: o.ID, Status: statusToPB(o.Status), Changed: o.Changed}
		if o.Err != nil {
			code := grpcCodes[moderation.ErrorCode(o.Err)]
			if code == codes.OK {
				code = codes.Internal
			}
			r.Code, r.Message = int32(code), o.Err.Error()
		}
		resp.Results[i] = r
	}
	return resp, nil
}

func (s *moderationService) ListAuditEvents(ctx context.Context, req *pb.ListAuditEventsRequest) (*pb.ListAuditEventsResponse, error) {
	fp := listing("ListAuditEvents", req.GetActor(), req.GetTarget())
	after, err := decodeToken(fp, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	evs, next, err := s.svc.AuditEvents(ctx, moderation.AuditQuery{Actor: req.GetActor(), Target: req.GetTarget()},
		moderation.Page{Size: int(req.GetPageSize()), After: after})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &pb.ListAuditEventsResponse{
		Events:        make([]*pb.AuditEvent, len(evs)),
		NextPageToken: encodeToken(fp, next),
	}
	for i, e := range evs {
		resp.Events[i] = auditEvent(e)
	}
	return resp, nil
}
