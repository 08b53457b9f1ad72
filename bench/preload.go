package main

import (
	"context"
	"fmt"

	"github.com/commentd/commentd/client"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// Comments the read cases page through: readArticles articles with
// readComments published comments each, submitted by distinct readers and
// approved by a moderator, as a live article's thread would be.
const (
	readArticles = 10
	readComments = 60
)

func preload(ctx context.Context, addr string) error {
	c, err := client.Dial(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	comments := pb.NewCommentServiceClient(c.Conn())
	var held []string
	for a := range readArticles {
		for i := range readComments {
			n := a*readComments + i
			resp, err := comments.SubmitComment(ctx, &pb.SubmitCommentRequest{
				ArticleId: fmt.Sprintf("read-%d", a),
				Author:    &pb.Author{Name: fmt.Sprintf("पाठक %d", n), Email: fmt.Sprintf("preload%d@example.in", n)},
				Body:      fmt.Sprintf("बजट सत्र में आज वित्त मंत्री ने नई कर दरों की घोषणा की। Good analysis, thank you for the detailed report. (%d)", n),
				Client:    &pb.ClientInfo{Ip: fmt.Sprintf("100.%d.%d.1", 64+n/256, n%256)}, // a /24 each
				RequestId: fmt.Sprintf("preload-%d", n),
			})
			if err != nil {
				return err
			}
			if resp.GetStatus() == pb.CommentStatus_COMMENT_STATUS_PENDING {
				held = append(held, resp.GetComment().GetId())
			}
		}
	}
	mod := pb.NewModerationServiceClient(c.Conn())
	for len(held) > 0 {
		n := min(len(held), 500)
		resp, err := mod.ModerateComments(ctx, &pb.ModerateCommentsRequest{
			Ids: held[:n], Action: pb.ModerationAction_MODERATION_ACTION_APPROVE, Note: "bench preload",
		})
		if err != nil {
			return err
		}
		for _, r := range resp.GetResults() {
			if r.GetCode() != 0 {
				return fmt.Errorf("approve %s: %s", r.GetId(), r.GetMessage())
			}
		}
		held = held[n:]
	}
	return nil
}
