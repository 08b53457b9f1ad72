package server

import (
	"context"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func (s *moderationService) SetArticleSettings(ctx context.Context, req *pb.SetArticleSettingsRequest) (*pb.SetArticleSettingsResponse, error) {
	if _, known := pb.ArticleMode_name[int32(req.GetMode())]; !known {
		return nil, toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "mode", Description: "is not a known article mode"}))
	}
	r := moderation.ArticleSettingsRequest{
		Site:      req.GetSite(),
		ArticleID: req.GetArticleId(),
		Mode:      moderation.ArticleMode(req.GetMode()),
		Actor:     identityOf(ctx).Moderator,
		Note:      req.GetNote(),
	}
	if d := req.GetCloseAfter(); d != nil {
		if err := d.CheckValid(); err != nil {
			return nil, toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "close_after", Description: "is not a valid duration"}))
		}
		r.CloseAfter = d.AsDuration()
	}
	st, err := s.svc.SetArticleSettings(ctx, r)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &pb.SetArticleSettingsResponse{Settings: articleSettings(st)}, nil
}

func (s *moderationService) GetArticleSettings(ctx context.Context, req *pb.GetArticleSettingsRequest) (*pb.GetArticleSettingsResponse, error) {
	st, err := s.svc.GetArticleSettings(ctx, req.GetSite(), req.GetArticleId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &pb.GetArticleSettingsResponse{Settings: articleSettings(st)}, nil
}

func articleSettings(st moderation.ArticleState) *pb.ArticleSettings {
	out := &pb.ArticleSettings{
		Site:             st.Site,
		ArticleId:        st.ArticleID,
		Mode:             pb.ArticleMode(st.Mode),
		UpdateTime:       timestamp(st.UpdateTime),
		UpdatedBy:        st.UpdatedBy,
		FirstCommentTime: timestamp(st.FirstCommentTime),
		CloseTime:        timestamp(st.CloseTime),
		Closed:           st.Closed,
	}
	if st.CloseAfter > 0 {
		out.CloseAfter = durationpb.New(st.CloseAfter)
	}
	return out
}
