package server

import (
	"errors"
	"io"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// maxSkipIDs is how many import ids of each skip reason the answer names.
const maxSkipIDs = 5

// ImportComments stores the streamed history in batches of up to
// moderation.MaxImportRecords, one transaction each, as they fill: memory
// stays bounded whatever the history's size, and a stream cut short
// keeps every batch stored before.
func (s *moderationService) ImportComments(stream pb.ModerationService_ImportCommentsServer) error {
	ctx := stream.Context()
	var (
		site  string
		batch []moderation.ImportRecord
		resp  = &pb.ImportCommentsResponse{}
		skips = map[string]*pb.ImportSkip{}
	)
	skip := func(id, reason, detail string) {
		sk := skips[reason]
		if sk == nil {
			sk = &pb.ImportSkip{Reason: reason, Detail: detail}
			skips[reason] = sk
			resp.Skipped = append(resp.Skipped, sk)
		}
		sk.Count++
		if len(sk.ImportIds) < maxSkipIDs {
			sk.ImportIds = append(sk.ImportIds, id)
		}
	}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := s.svc.ImportComments(ctx, moderation.Import{Actor: identityOf(ctx).Moderator, Site: site, Records: batch})
		if err != nil {
			return err
		}
		batch = batch[:0]
		resp.Stored += int64(n.Stored)
		resp.StoredWithoutParent += int64(n.Orphans)
		resp.AlreadyImported += int64(n.Existing)
		for _, sk := range n.Skipped {
			skip(sk.Key, sk.Reason, sk.Detail)
		}
		return nil
	}
	for first := true; ; first = false {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err // the client left or the stream broke: what was stored stays
		}
		switch {
		case first && req.GetSite() == "":
			return toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "site", Description: "is required in the first message"}))
		case first:
			site = req.GetSite()
		case req.GetSite() != "" && req.GetSite() != site:
			return toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "site", Description: "must be the first message's site or empty"}))
		}
		if len(req.GetComments()) > moderation.MaxImportRecords {
			return toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "comments", Description: "must hold at most 500 comments a message"}))
		}
		for _, c := range req.GetComments() {
			resp.Received++
			r, problem := importRecord(c)
			if problem != "" {
				skip(c.GetImportId(), "invalid create_time", problem)
				continue
			}
			batch = append(batch, r)
			if len(batch) == moderation.MaxImportRecords {
				if err := flush(); err != nil {
					return toStatus(ctx, s.log, err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return toStatus(ctx, s.log, err)
	}
	return stream.SendAndClose(resp)
}

// importRecord converts one imported comment, or says what is wrong with
// its time, which the domain cannot see once converted.
func importRecord(c *pb.ImportedComment) (moderation.ImportRecord, string) {
	a, cl := c.GetAuthor(), c.GetClient()
	r := moderation.ImportRecord{
		Key: c.GetImportId(), ParentKey: c.GetParentImportId(), ArticleID: c.GetArticleId(),
		Author: moderation.Author{Name: a.GetName(), Email: a.GetEmail(), URL: a.GetUrl(), UserID: a.GetUserId()},
		Client: moderation.Client{IP: cl.GetIp(), UserAgent: cl.GetUserAgent()},
		Body:   c.GetBody(), Status: statusFromPB(c.GetStatus()),
	}
	if ts := c.GetCreateTime(); ts != nil {
		if !ts.IsValid() {
			return r, "must be a time between the years 1 and 9999"
		}
		r.CreateTime = ts.AsTime()
	}
	return r, ""
}
