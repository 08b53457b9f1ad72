package server

import (
	"context"
	"log/slog"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// commentService serves CommentService: it translates between protobuf and
// the domain and nothing more.
type commentService struct {
	pb.UnimplementedCommentServiceServer
	svc Comments
	log *slog.Logger
}

func (s *commentService) SubmitComment(ctx context.Context, req *pb.SubmitCommentRequest) (*pb.SubmitCommentResponse, error) {
	sub := moderation.Submission{
		Site:      identityOf(ctx).Site,
		ArticleID: req.GetArticleId(),
		ParentID:  req.GetParentId(),
		Author: moderation.Author{
			Name:   req.GetAuthor().GetName(),
			Email:  req.GetAuthor().GetEmail(),
			URL:    req.GetAuthor().GetUrl(),
			UserID: req.GetAuthor().GetUserId(),
		},
		Body: req.GetBody(),
		Client: moderation.Client{
			IP:        req.GetClient().GetIp(),
			UserAgent: req.GetClient().GetUserAgent(),
			Referrer:  req.GetClient().GetReferrer(),
		},
		RequestID:    req.GetRequestId(),
		ValidateOnly: req.GetValidateOnly(),
		Honeypot:     req.GetHoneypot(),
	}
	if d := req.GetFormDuration(); d != nil {
		if err := d.CheckValid(); err != nil {
			return nil, toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "form_duration", Description: "is not a valid duration"}))
		}
		sub.FormDuration, sub.FormTimed = d.AsDuration(), true
	}
	if id := identityOf(ctx); id.Site == "" && id.Moderator != "" {
		// A moderator (token or certificate) may only check a comment
		// against a site's rules, which stores nothing: moderators try the
		// rules of every site they look after without its key.
		switch {
		case !req.GetValidateOnly():
			return nil, toStatus(ctx, s.log, &moderation.Error{Code: moderation.CodePermissionDenied,
				Message: "a moderator can only check a comment (validate_only) against a site; a comment is submitted with the site's key"})
		case req.GetSite() == "":
			return nil, toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "site", Description: "is required when a moderator checks a comment: the site whose rules to check against"}))
		case moderation.ValidateSite(req.GetSite()) != "":
			return nil, toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "site", Description: moderation.ValidateSite(req.GetSite())}))
		}
		sub.Site = req.GetSite()
	}
	if site := req.GetSite(); site != "" && site != sub.Site {
		id := identityOf(ctx)
		switch {
		case moderation.ValidateSite(site) != "":
			return nil, toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "site", Description: moderation.ValidateSite(site)}))
		case !req.GetValidateOnly():
			return nil, toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "site", Description: "may be set only with validate_only; a comment is stored on the caller's site"}))
		case id.Role != RoleAdmin:
			// Only a server without credentials makes a site caller the
			// admin: a site key never checks against another site.
			return nil, toStatus(ctx, s.log, &moderation.Error{Code: moderation.CodePermissionDenied,
				Message: "a site key can check only against its own site"})
		}
		sub.Site = site
	}
	res, err := s.svc.Submit(ctx, sub)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	c := res.Comment
	return &pb.SubmitCommentResponse{
		Comment: publicComment(c),
		Status:  statusToPB(c.Status),
		Reasons: reasons(moderation.ForSite(c.Reasons)),
		Score:   c.Score,
		Policy:  appliedPolicy(req.GetValidateOnly(), res.Policy),
	}, nil
}

// appliedPolicy says whose policy decided a validate_only check.
func appliedPolicy(validateOnly bool, p moderation.AppliedPolicy) *pb.AppliedPolicy {
	if !validateOnly {
		return nil
	}
	return &pb.AppliedPolicy{Site: p.Site, Overrides: p.Overrides}
}

func (s *commentService) GetComment(ctx context.Context, req *pb.GetCommentRequest) (*pb.GetCommentResponse, error) {
	c, err := s.svc.PublishedComment(ctx, identityOf(ctx).Site, req.GetId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &pb.GetCommentResponse{Comment: publicComment(c)}, nil
}

func (s *commentService) ListComments(ctx context.Context, req *pb.ListCommentsRequest) (*pb.ListCommentsResponse, error) {
	site := identityOf(ctx).Site
	fp := listing("ListComments", site, req.GetArticleId())
	after, err := decodeToken(fp, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	cs, next, err := s.svc.ListPublished(ctx, site, req.GetArticleId(), moderation.Page{Size: int(req.GetPageSize()), After: after})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &pb.ListCommentsResponse{
		Comments:      make([]*pb.Comment, len(cs)),
		NextPageToken: encodeToken(fp, next),
	}
	for i, c := range cs {
		resp.Comments[i] = publicComment(c)
	}
	return resp, nil
}

func (s *commentService) CountComments(ctx context.Context, req *pb.CountCommentsRequest) (*pb.CountCommentsResponse, error) {
	counts, err := s.svc.CountPublished(ctx, identityOf(ctx).Site, req.GetArticleIds())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &pb.CountCommentsResponse{Counts: counts}, nil
}

func (s *commentService) ReportComment(ctx context.Context, req *pb.ReportCommentRequest) (*pb.ReportCommentResponse, error) {
	res, err := s.svc.ReportComment(ctx, moderation.ReportRequest{
		Site:      identityOf(ctx).Site,
		CommentID: req.GetCommentId(),
		Reporter: moderation.Reporter{
			UserID: req.GetReporter().GetUserId(),
			Email:  req.GetReporter().GetEmail(),
			IP:     req.GetReporter().GetIp(),
		},
		Reason: reportReasonFromPB(req.GetReason()),
		Note:   req.GetNote(),
	})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &pb.ReportCommentResponse{
		ReportId:      res.Report.ID,
		Duplicate:     res.Duplicate,
		CreateTime:    timestamp(res.Report.CreateTime),
		CommentStatus: pb.CommentStatus(res.Status),
	}, nil
}

// reportReasonFromPB keeps a number out of range out of range.
func reportReasonFromPB(r pb.ReportReason) moderation.ReportReason {
	if r < 0 || r > pb.ReportReason_REPORT_REASON_OTHER {
		return moderation.ReportReasonUnspecified
	}
	return moderation.ReportReason(r)
}
