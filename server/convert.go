package server

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// The domain's status and action numbers equal the proto enum numbers by
// design; server_test checks that the names agree too.

func statusToPB(s moderation.Status) pb.CommentStatus { return pb.CommentStatus(s) }

func statusFromPB(s pb.CommentStatus) moderation.Status { return moderation.Status(s) }

func actionFromPB(a pb.ModerationAction) moderation.Action { return moderation.Action(a) }

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// publicComment copies only the public fields. It is the one way a domain
// comment reaches CommentService callers.
func publicComment(c moderation.Comment) *pb.Comment {
	return &pb.Comment{
		Id:         c.ID,
		ArticleId:  c.ArticleID,
		ParentId:   c.ParentID,
		AuthorName: c.Author.Name,
		AuthorUrl:  c.Author.URL,
		Body:       c.Body,
		Status:     statusToPB(c.Status),
		CreateTime: timestamp(c.CreateTime),
		UpdateTime: timestamp(c.UpdateTime),
	}
}

func commentDetail(c moderation.Comment) *pb.CommentDetail {
	return &pb.CommentDetail{
		Comment:     publicComment(c),
		AuthorEmail: c.Author.Email,
		Client: &pb.ClientInfo{
			Ip:        c.Client.IP,
			UserAgent: c.Client.UserAgent,
			Referrer:  c.Client.Referrer,
		},
		Reasons:        reasons(c.Reasons),
		Score:          c.Score,
		Site:           c.Site,
		ModeratedBy:    c.ModeratedBy,
		ModerationNote: c.ModerationNote,
		Reports:        commentReports(c.Reports),
		ReportWeight:   c.ReportWeight,
	}
}

func commentReports(rs []moderation.Report) []*pb.CommentReport {
	if len(rs) == 0 {
		return nil
	}
	out := make([]*pb.CommentReport, len(rs))
	for i, r := range rs {
		out[i] = &pb.CommentReport{
			Id:             r.ID,
			Reason:         pb.ReportReason(r.Reason),
			Note:           r.Note,
			CreateTime:     timestamp(r.CreateTime),
			Reporter:       r.Pseudonym(),
			ReporterWeight: r.Weight,
		}
	}
	return out
}

func reasons(rs []moderation.Reason) []*pb.Reason {
	if len(rs) == 0 {
		return nil
	}
	out := make([]*pb.Reason, len(rs))
	for i, r := range rs {
		out[i] = &pb.Reason{
			Rule:   r.Rule,
			Action: pb.RuleAction(r.Action),
			Detail: r.Detail,
			Score:  r.Score,
		}
		if r.Span != nil {
			out[i].Span = &pb.MatchSpan{
				Field: r.Span.Field,
				Start: int32(r.Span.Start),
				End:   int32(r.Span.End),
				Text:  r.Span.Text,
			}
		}
	}
	return out
}

func auditEvent(e moderation.AuditEvent) *pb.AuditEvent {
	return &pb.AuditEvent{
		Id:         e.ID,
		CreateTime: timestamp(e.Time),
		Actor:      e.Actor,
		Action:     e.Action,
		Target:     e.Target,
		Note:       e.Note,
		Detail:     e.Detail,
	}
}

func banToPB(b moderation.Ban) *pb.Ban {
	out := &pb.Ban{
		Id:         b.ID,
		ExpireTime: timestamp(b.ExpireTime),
		Reason:     b.Reason,
		CreateTime: timestamp(b.CreateTime),
		CreatedBy:  b.CreatedBy,
		Site:       b.Site,
	}
	switch b.Kind {
	case moderation.BanEmail:
		out.Target = &pb.Ban_Email{Email: b.Display}
	case moderation.BanIP:
		out.Target = &pb.Ban_Ip{Ip: b.Display}
	case moderation.BanCIDR:
		out.Target = &pb.Ban_Cidr{Cidr: b.Display}
	case moderation.BanName:
		out.Target = &pb.Ban_Name{Name: b.Display}
	}
	return out
}
