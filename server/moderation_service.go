package server

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/config"
	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// moderationService serves ModerationService.
type moderationService struct {
	pb.UnimplementedModerationServiceServer
	svc      Moderation
	log      *slog.Logger
	stopping <-chan struct{} // closed when shutdown begins
}

func (s *moderationService) ListQueue(ctx context.Context, req *pb.ListQueueRequest) (*pb.ListQueueResponse, error) {
	q := moderation.QueueQuery{
		Status:      statusFromPB(req.GetStatus()),
		ArticleID:   req.GetArticleId(),
		AuthorEmail: req.GetAuthorEmail(),
		OldestFirst: req.GetOrder() == pb.SortOrder_SORT_ORDER_OLDEST_FIRST,
		Reported:    req.GetReported(),
	}
	var bad []moderation.FieldViolation
	if _, known := pb.SortOrder_name[int32(req.GetOrder())]; !known {
		bad = append(bad, moderation.FieldViolation{Field: "order", Description: "is not a known sort order"})
	}
	var problem string
	if q.Since, problem = optionalTime(req.GetStartTime()); problem != "" {
		bad = append(bad, moderation.FieldViolation{Field: "start_time", Description: problem})
	}
	if q.Until, problem = optionalTime(req.GetEndTime()); problem != "" {
		bad = append(bad, moderation.FieldViolation{Field: "end_time", Description: problem})
	}
	if len(bad) > 0 {
		return nil, toStatus(ctx, s.log, invalid(bad...))
	}
	fp := listing("ListQueue", q.Status.String(), q.ArticleID, moderation.EmailKey(q.AuthorEmail),
		timeKey(q.Since), timeKey(q.Until), strconv.FormatBool(q.OldestFirst), strconv.FormatBool(q.Reported))
	after, err := decodeToken(fp, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	cs, next, err := s.svc.ListQueue(ctx, viewerOf(ctx), q, moderation.Page{Size: int(req.GetPageSize()), After: after})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	total, err := s.svc.CountQueue(ctx, viewerOf(ctx), q)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &pb.ListQueueResponse{
		Comments:        make([]*pb.CommentDetail, len(cs)),
		NextPageToken:   encodeToken(fp, next),
		TotalSize:       total.Size,
		TotalIsEstimate: total.Estimate,
	}
	for i, c := range cs {
		resp.Comments[i] = commentDetail(c)
	}
	return resp, nil
}

// optionalTime converts a Timestamp a request may carry: the zero time
// when it is absent, or what is wrong with it. Times outside what a
// Timestamp can hold would reach the store (PostgreSQL refuses them).
func optionalTime(ts *timestamppb.Timestamp) (time.Time, string) {
	if ts == nil {
		return time.Time{}, ""
	}
	if !ts.IsValid() {
		return time.Time{}, "must be a time between the years 1 and 9999"
	}
	return ts.AsTime(), ""
}

func timeKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

func (s *moderationService) GetCommentDetail(ctx context.Context, req *pb.GetCommentDetailRequest) (*pb.GetCommentDetailResponse, error) {
	c, history, err := s.svc.CommentDetail(ctx, viewerOf(ctx), req.GetId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &pb.GetCommentDetailResponse{Comment: commentDetail(c), AuthorHistory: &pb.AuthorHistory{
		Published: history[moderation.StatusPublished],
		Pending:   history[moderation.StatusPending],
		Spam:      history[moderation.StatusSpam],
		Rejected:  history[moderation.StatusRejected],
		Deleted:   history[moderation.StatusDeleted],
	}}, nil
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
			r.Code, r.Message = int32(code), clientMessage(o.Err)
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

var wordLists = []moderation.WordList{moderation.ListBlock, moderation.ListHold, moderation.ListAllow, moderation.ListShadow}

func (s *moderationService) ListWordLists(ctx context.Context, req *pb.ListWordListsRequest) (*pb.ListWordListsResponse, error) {
	site := req.GetSite()
	terms, err := s.svc.WordLists(ctx, site)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	// The global lists always, then each site's: all four of the site
	// asked for, the ones with terms of every other.
	type key struct {
		site string
		list moderation.WordList
	}
	bySite := map[key][]moderation.WordTerm{}
	sites := []string{""}
	if site != "" {
		sites = append(sites, site)
	}
	for _, t := range terms {
		k := key{t.Site, t.List}
		if len(bySite[k]) == 0 && !slices.Contains(sites, t.Site) {
			sites = append(sites, t.Site)
		}
		bySite[k] = append(bySite[k], t)
	}
	resp := &pb.ListWordListsResponse{}
	for _, st := range sites {
		for _, l := range wordLists {
			if ts := bySite[key{st, l}]; len(ts) > 0 || st == "" || st == site {
				resp.Lists = append(resp.Lists, wordListTerms(st, l, ts))
			}
		}
	}
	return resp, nil
}

func (s *moderationService) UpdateWordList(ctx context.Context, req *pb.UpdateWordListRequest) (*pb.UpdateWordListResponse, error) {
	res, err := s.svc.UpdateWordList(ctx, identityOf(ctx).Moderator, req.GetSite(), moderation.WordList(req.GetList()), req.GetAdd(), req.GetRemove())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &pb.UpdateWordListResponse{
		List:    wordListTerms(req.GetSite(), moderation.WordList(req.GetList()), res.Terms),
		Added:   res.Added,
		Removed: res.Removed,
		Present: res.Present,
		Absent:  res.Absent,
	}, nil
}

func wordListTerms(site string, l moderation.WordList, terms []moderation.WordTerm) *pb.WordListTerms {
	out := &pb.WordListTerms{Site: site, List: pb.WordList(l), Terms: make([]string, len(terms))}
	for i, t := range terms {
		out.Terms[i] = t.Term
	}
	return out
}

func (s *moderationService) CreateBan(ctx context.Context, req *pb.CreateBanRequest) (*pb.CreateBanResponse, error) {
	b := req.GetBan()
	r := moderation.BanRequest{Actor: identityOf(ctx).Moderator, Reason: b.GetReason(), Site: b.GetSite(), RequestID: req.GetRequestId()}
	switch t := b.GetTarget().(type) {
	case *pb.Ban_Email:
		r.Kind, r.Target = moderation.BanEmail, t.Email
	case *pb.Ban_Ip:
		r.Kind, r.Target = moderation.BanIP, t.Ip
	case *pb.Ban_Cidr:
		r.Kind, r.Target = moderation.BanCIDR, t.Cidr
	case *pb.Ban_Name:
		r.Kind, r.Target = moderation.BanName, t.Name
	}
	// AsTime of an out-of-range Timestamp wraps around to some other time:
	// refuse it rather than store a ban that never applies.
	var problem string
	if r.ExpireTime, problem = optionalTime(b.GetExpireTime()); problem != "" {
		return nil, toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "ban.expire_time", Description: problem}))
	}
	if d := req.GetHidePast(); d != nil {
		if err := d.CheckValid(); err != nil {
			return nil, toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "hide_past", Description: "must be a valid duration"}))
		}
		r.HidePast = d.AsDuration()
	}
	r.HideAs = statusFromPB(req.GetHideAs())
	res, err := s.svc.CreateBan(ctx, r)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &pb.CreateBanResponse{Ban: banToPB(res.Ban)}
	for _, c := range res.Moved {
		resp.HiddenCommentIds = append(resp.HiddenCommentIds, c.ID)
	}
	return resp, nil
}

func (s *moderationService) ListBans(ctx context.Context, req *pb.ListBansRequest) (*pb.ListBansResponse, error) {
	fp := listing("ListBans")
	if req.GetSite() != "" {
		fp = listing("ListBans", req.GetSite()) // tokens of unfiltered listings stay valid
	}
	after, err := decodeToken(fp, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	bans, next, err := s.svc.ListBans(ctx, moderation.Page{Size: int(req.GetPageSize()), After: after}, req.GetSite())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &pb.ListBansResponse{Bans: make([]*pb.Ban, len(bans)), NextPageToken: encodeToken(fp, next)}
	for i, b := range bans {
		resp.Bans[i] = banToPB(b)
	}
	return resp, nil
}

func (s *moderationService) DeleteBan(ctx context.Context, req *pb.DeleteBanRequest) (*pb.DeleteBanResponse, error) {
	res, err := s.svc.DeleteBan(ctx, identityOf(ctx).Moderator, req.GetId(), req.GetRestore())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &pb.DeleteBanResponse{KeptCount: int32(res.Kept)}
	for _, c := range res.Moved {
		resp.RestoredCommentIds = append(resp.RestoredCommentIds, c.ID)
	}
	return resp, nil
}

// resumeHeader carries, in WatchQueue's response headers, the position
// the stream starts after.
const resumeHeader = "commentd-resume-token"

func (s *moderationService) WatchQueue(req *pb.WatchQueueRequest, stream pb.ModerationService_WatchQueueServer) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	// A watch lasts until the moderator leaves; shutdown must not wait for
	// that, so it ends watches itself and the client reconnects elsewhere.
	go func() {
		select {
		case <-s.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()
	q := moderation.WatchQuery{ArticleID: req.GetArticleId()}
	for _, st := range req.GetStatuses() {
		q.Statuses = append(q.Statuses, statusFromPB(st))
	}
	var err error
	if q.After, q.Resume, err = decodeResume(req.GetResumeToken()); err != nil {
		return toStatus(ctx, s.log, err)
	}
	held, start, err := s.svc.Watch(ctx, viewerOf(ctx), q)
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	// The headers tell the client the subscription is live: every comment
	// held after the position they carry will reach it, and a stream
	// that ends before its first message resumes from there.
	if err := stream.SendHeader(metadata.Pairs(resumeHeader, encodeResume(start))); err != nil {
		return err
	}
	for h := range held {
		if h.Err != nil {
			return toStatus(ctx, s.log, h.Err)
		}
		m := &pb.WatchQueueResponse{Comment: commentDetail(h.Comment), ResumeToken: encodeResume(h.Seq), HeldStatus: statusToPB(h.Status)}
		if err := stream.Send(m); err != nil {
			return err
		}
	}
	select {
	case <-s.stopping:
		return status.Error(codes.Unavailable, "the server is shutting down; reconnect")
	default:
		return toStatus(ctx, s.log, stream.Context().Err())
	}
}

func (s *moderationService) ExportAuthorData(ctx context.Context, req *pb.ExportAuthorDataRequest) (*pb.ExportAuthorDataResponse, error) {
	fp := listing("ExportAuthorData", moderation.EmailKey(req.GetAuthorEmail()))
	after, err := decodeToken(fp, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	cs, next, err := s.svc.ExportAuthor(ctx, identityOf(ctx).Moderator, req.GetAuthorEmail(),
		moderation.Page{Size: int(req.GetPageSize()), After: after})
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &pb.ExportAuthorDataResponse{Comments: make([]*pb.CommentDetail, len(cs)), NextPageToken: encodeToken(fp, next)}
	for i, c := range cs {
		resp.Comments[i] = commentDetail(c)
	}
	return resp, nil
}

func (s *moderationService) EraseAuthorData(ctx context.Context, req *pb.EraseAuthorDataRequest) (*pb.EraseAuthorDataResponse, error) {
	n, err := s.svc.EraseAuthor(ctx, identityOf(ctx).Moderator, req.GetAuthorEmail(), req.GetNote())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &pb.EraseAuthorDataResponse{ErasedCount: n}, nil
}

func (s *moderationService) Backtest(req *pb.BacktestRequest, stream pb.ModerationService_BacktestServer) error {
	ctx := stream.Context()
	r := moderation.BacktestRequest{Site: req.GetSite(), Examples: int(req.GetMaxExamples())}
	var vs []moderation.FieldViolation
	var problem string
	if r.Since, problem = optionalTime(req.GetStartTime()); problem != "" {
		vs = append(vs, moderation.FieldViolation{Field: "start_time", Description: problem})
	}
	if y := req.GetPolicyYaml(); strings.TrimSpace(y) != "" {
		p, err := config.Parse([]byte(y))
		if err != nil {
			vs = append(vs, moderation.FieldViolation{Field: "policy_yaml", Description: err.Error()})
		} else {
			r.Policy = &p
		}
	}
	if len(vs) > 0 {
		return toStatus(ctx, s.log, invalid(vs...))
	}
	for _, ch := range req.GetWordListChanges() {
		r.Changes = append(r.Changes, moderation.WordListChange{List: moderation.WordList(ch.GetList()), Add: ch.GetAdd(), Remove: ch.GetRemove()})
	}
	rep, err := s.svc.Backtest(ctx, r, func(done, total int) {
		// A client that left cancels ctx, which ends the replay.
		_ = stream.Send(&pb.BacktestResponse{Result: &pb.BacktestResponse_Progress{
			Progress: &pb.BacktestProgress{Done: int64(done), Total: int64(total)}}})
	})
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	return stream.Send(&pb.BacktestResponse{Result: &pb.BacktestResponse_Report{Report: backtestReport(rep)}})
}

func backtestReport(r moderation.BacktestReport) *pb.BacktestReport {
	out := &pb.BacktestReport{StartTime: timestamp(r.Since), EndTime: timestamp(r.Until),
		Replayed: int64(r.Replayed), Skipped: int64(r.Skipped), Moved: int64(r.Moved),
		Proposed: backtestCells(r.Proposed), Stored: backtestCells(r.Stored)}
	for m, n := range r.Moves {
		out.Moves = append(out.Moves, &pb.BacktestMove{From: statusToPB(m.From), To: statusToPB(m.To), Count: int64(n)})
	}
	slices.SortFunc(out.Moves, func(a, b *pb.BacktestMove) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	for _, e := range r.Examples {
		out.Examples = append(out.Examples, &pb.BacktestExample{CommentId: e.ID, From: statusToPB(e.From), To: statusToPB(e.To),
			Judgment: judgmentToPB(e.Judgment), Gained: reasons(e.Gained), Lost: reasons(e.Lost)})
	}
	return out
}

// backtestCells lists a confusion table's cells in a stable order.
func backtestCells(t map[moderation.Cell]int) []*pb.BacktestCell {
	var out []*pb.BacktestCell
	for c, n := range t {
		out = append(out, &pb.BacktestCell{Decision: statusToPB(c.Decision), Judgment: judgmentToPB(c.Judgment), Count: int64(n)})
	}
	slices.SortFunc(out, func(a, b *pb.BacktestCell) int {
		return cmp.Or(cmp.Compare(a.Decision, b.Decision), cmp.Compare(a.Judgment, b.Judgment))
	})
	return out
}

func judgmentToPB(j moderation.Judgment) pb.BacktestJudgment {
	switch j {
	case moderation.JudgedHam:
		return pb.BacktestJudgment_BACKTEST_JUDGMENT_HAM
	case moderation.JudgedSpam:
		return pb.BacktestJudgment_BACKTEST_JUDGMENT_SPAM
	}
	return pb.BacktestJudgment_BACKTEST_JUDGMENT_UNDECIDED
}

func (s *moderationService) TrainComments(ctx context.Context, req *pb.TrainCommentsRequest) (*pb.TrainCommentsResponse, error) {
	t := moderation.Training{
		Actor:        identityOf(ctx).Moderator,
		Site:         req.GetSite(),
		Examples:     make([]moderation.Example, len(req.GetExamples())),
		ValidateOnly: req.GetValidateOnly(),
	}
	for i, e := range req.GetExamples() {
		a := e.GetAuthor()
		t.Examples[i] = moderation.Example{
			Author: moderation.Author{Name: a.GetName(), Email: a.GetEmail(), URL: a.GetUrl()},
			Body:   e.GetBody(),
			Label:  trainingLabels[e.GetLabel()], // anything else: None, refused as missing
		}
	}
	n, err := s.svc.TrainComments(ctx, t)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &pb.TrainCommentsResponse{Spam: int64(n.Spam), Ham: int64(n.Ham)}, nil
}

var trainingLabels = map[pb.TrainingLabel]learn.Label{
	pb.TrainingLabel_TRAINING_LABEL_SPAM: learn.Spam,
	pb.TrainingLabel_TRAINING_LABEL_HAM:  learn.Ham,
}

func (s *moderationService) GetRuleStats(ctx context.Context, req *pb.GetRuleStatsRequest) (*pb.GetRuleStatsResponse, error) {
	since, problem := optionalTime(req.GetStartTime())
	if problem != "" {
		return nil, toStatus(ctx, s.log, invalid(moderation.FieldViolation{Field: "start_time", Description: problem}))
	}
	rs, err := s.svc.RuleStats(ctx, req.GetSite(), since)
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	resp := &pb.GetRuleStatsResponse{
		Stats:        make([]*pb.RuleStat, len(rs.Stats)),
		CommentsRead: rs.Read,
		Truncated:    rs.Truncated,
	}
	for i, st := range rs.Stats {
		resp.Stats[i] = &pb.RuleStat{Rule: st.Rule, Action: pb.RuleAction(st.Action), Fired: st.Fired, Decided: st.Decided, Agreed: st.Agreed}
	}
	return resp, nil
}
