package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

type weightKey struct{ site, reporter string }

// FileReport implements moderation.Store.
func (s *Store) FileReport(ctx context.Context, f moderation.ReportFiling) (moderation.FiledReport, error) {
	if err := s.lock(ctx, "file report"); err != nil {
		return moderation.FiledReport{}, err
	}
	defer s.unlock()
	db := s.db
	r, ok := db.comments[f.Report.CommentID]
	if !ok {
		return moderation.FiledReport{}, fmt.Errorf("memory: comment %q: %w", f.Report.CommentID, moderation.ErrNotFound)
	}
	c, err := r.read()
	if err != nil {
		return moderation.FiledReport{}, fmt.Errorf("memory: file report: %w", err)
	}
	wk := weightKey{f.Report.Site, f.Report.ReporterKey}
	for _, rep := range db.reports {
		if rep.CommentID == f.Report.CommentID && rep.ReporterKey == f.Report.ReporterKey {
			first := *rep
			first.Weight = db.weight(wk)
			return moderation.FiledReport{Report: first, Duplicate: true, Comment: c}, nil
		}
	}
	for _, rep := range db.reports {
		if rep.ID == f.Report.ID {
			return moderation.FiledReport{}, fmt.Errorf("memory: file report: id %s is taken", rep.ID)
		}
	}
	rep := f.Report
	rep.CreateTime = storesql.StoredTime(rep.CreateTime)
	rep.Weight = 0
	// The checks of what the SQL stores' constraints refuse, before
	// anything changes.
	weight, readers := db.openWeight(c.ID, &rep)
	updated, hold := f.Held(c, weight, readers, rep.CreateTime)
	var (
		out []moderation.OutboxMessage
		a   moderation.AuditEvent
	)
	if hold {
		a = f.Audit
		a.Detail = c.Status.String() + " -> " + moderation.StatusPending.String()
		if err := db.checkAudit(a); err != nil {
			return moderation.FiledReport{}, fmt.Errorf("memory: file report: %w", err)
		}
		if f.Outbox != nil {
			out = f.Outbox(updated)
			if err := db.checkOutbox(out); err != nil {
				return moderation.FiledReport{}, fmt.Errorf("memory: file report: %w", err)
			}
		}
	}
	reasons, err := storesql.EncodeReasons(updated.Reasons)
	if err != nil {
		return moderation.FiledReport{}, fmt.Errorf("memory: file report: %w", err)
	}
	if _, ok := db.weights[wk]; !ok {
		db.weights[wk] = moderation.InitialReporterWeight
	}
	stored := rep
	db.reports = append(db.reports, &stored)
	rep.Weight = db.weights[wk]
	if hold {
		r.c.Status, r.c.UpdateTime = updated.Status, updated.UpdateTime
		r.c.ModeratedBy, r.c.ModerationNote = "", ""
		r.reasons = reasons
		db.appendAudit(a)
		db.addOutbox(out)
		db.enqueue(c.Status, updated, rep.CreateTime)
	}
	return moderation.FiledReport{Report: rep, Comment: updated, Held: hold}, nil
}

func (db *DB) weight(k weightKey) float64 {
	if w, ok := db.weights[k]; ok {
		return w
	}
	return moderation.InitialReporterWeight
}

// openWeight sums the weights of the readers of the comment's open
// reports, with extra (not yet stored) among them, and counts them.
func (db *DB) openWeight(commentID string, extra *moderation.Report) (float64, int) {
	sum, n := 0.0, 0
	for _, rep := range append(slices.Clone(db.reports), extra) {
		if rep.CommentID == commentID && rep.State == moderation.ReportOpen {
			sum += db.weight(weightKey{rep.Site, rep.ReporterKey})
			n++
		}
	}
	return sum, n
}

// resolveReports settles a comment's open reports and reweighs their
// readers.
func (db *DB) resolveReports(commentID string, res *moderation.ReportResolution) {
	for _, rep := range db.reports {
		if rep.CommentID == commentID && rep.State == moderation.ReportOpen {
			rep.State = res.State
			k := weightKey{rep.Site, rep.ReporterKey}
			db.weights[k] = res.Reweigh(db.weight(k))
		}
	}
}

// OpenReports implements moderation.Store.
func (s *Store) OpenReports(ctx context.Context, commentIDs []string) ([]moderation.Report, error) {
	if err := s.lock(ctx, "open reports"); err != nil {
		return nil, err
	}
	defer s.unlock()
	var out []moderation.Report
	for _, rep := range s.db.reports {
		if rep.State == moderation.ReportOpen && slices.Contains(commentIDs, rep.CommentID) {
			r := *rep
			r.Weight = s.db.weight(weightKey{rep.Site, rep.ReporterKey})
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b moderation.Report) int {
		return cmp.Or(cmp.Compare(a.CommentID, b.CommentID), a.CreateTime.Compare(b.CreateTime), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// ReportedComments implements moderation.Store.
func (s *Store) ReportedComments(ctx context.Context, articleID string, limit int) ([]moderation.ReportedComment, error) {
	if err := s.lock(ctx, "reported comments"); err != nil {
		return nil, err
	}
	defer s.unlock()
	at := map[string]int{}
	var out []moderation.ReportedComment
	for _, rep := range s.db.reports {
		r, ok := s.db.comments[rep.CommentID]
		if rep.State != moderation.ReportOpen || !ok || r.c.Status == moderation.StatusDeleted ||
			(articleID != "" && r.c.ArticleID != articleID) {
			continue
		}
		i, ok := at[rep.CommentID]
		if !ok {
			i = len(out)
			at[rep.CommentID] = i
			out = append(out, moderation.ReportedComment{CommentID: rep.CommentID})
		}
		out[i].Reports++
		out[i].Weight += s.db.weight(weightKey{rep.Site, rep.ReporterKey})
	}
	slices.SortFunc(out, func(a, b moderation.ReportedComment) int {
		return cmp.Or(cmp.Compare(b.Weight, a.Weight), cmp.Compare(b.Reports, a.Reports), cmp.Compare(a.CommentID, b.CommentID))
	})
	return out[:min(limit, len(out))], nil
}

// EraseReports implements moderation.Store.
func (s *Store) EraseReports(ctx context.Context, reporterKey string) (int64, error) {
	if err := s.lock(ctx, "erase reports"); err != nil {
		return 0, err
	}
	defer s.unlock()
	n := len(s.db.reports)
	s.db.reports = slices.DeleteFunc(s.db.reports, func(r *moderation.Report) bool { return r.ReporterKey == reporterKey })
	for k := range s.db.weights {
		if k.reporter == reporterKey {
			delete(s.db.weights, k)
		}
	}
	return int64(n - len(s.db.reports)), nil
}
