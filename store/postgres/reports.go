package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

const (
	reportColumns = `r.id, r.site, r.comment_id, r.reporter_key, r.reason, r.note, r.state, r.create_time, coalesce(w.weight, 1.0)`
	reportsFrom   = ` FROM comment_reports r
LEFT JOIN reporter_weights w ON w.site = r.site AND w.reporter_key = r.reporter_key`

	insertReportSQL = `INSERT INTO comment_reports (id, site, comment_id, reporter_key, reason, note, state, create_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (comment_id, reporter_key) DO NOTHING`
	reportOfReaderSQL = `SELECT ` + reportColumns + reportsFrom + ` WHERE r.comment_id = $1 AND r.reporter_key = $2`
	insertWeightSQL   = `INSERT INTO reporter_weights (site, reporter_key, weight) VALUES ($1, $2, $3)
ON CONFLICT (site, reporter_key) DO NOTHING`
	openWeightSQL = `SELECT count(*), coalesce(sum(w.weight), 0)` + reportsFrom + ` WHERE r.comment_id = $1 AND r.state = 1`
	holdSQL       = `UPDATE comments SET status = $2, update_time = $3, moderated_by = '', moderation_note = '', reasons = $4 WHERE id = $1`

	openReportsSQL = `SELECT ` + reportColumns + reportsFrom + `
WHERE r.state = 1 AND r.comment_id = ANY($1)
ORDER BY r.comment_id, r.create_time, r.id`
	reportedSQL = `SELECT r.comment_id, count(*), sum(coalesce(w.weight, 1.0)) AS weight` + reportsFrom + `
JOIN comments c ON c.id = r.comment_id
WHERE r.state = 1 AND c.status <> 5 AND ($1 = '' OR c.article_id = $1)
GROUP BY r.comment_id ORDER BY weight DESC, count(*) DESC, r.comment_id LIMIT $2`

	// The readers of a comment's open reports; then each reader's weight
	// under a row lock, so that racing verdicts on two comments one
	// reader reported reweigh them one after the other, in one order.
	openReadersSQL = `SELECT DISTINCT site, reporter_key FROM comment_reports
WHERE comment_id = $1 AND state = 1 ORDER BY site, reporter_key`
	lockWeightSQL = `SELECT weight FROM reporter_weights WHERE site = $1 AND reporter_key = $2 FOR UPDATE`
	setWeightSQL  = `INSERT INTO reporter_weights (site, reporter_key, weight) VALUES ($1, $2, $3)
ON CONFLICT (site, reporter_key) DO UPDATE SET weight = excluded.weight`
	settleSQL = `UPDATE comment_reports SET state = $1 WHERE comment_id = $2 AND state = 1`

	eraseReportsSQL = `DELETE FROM comment_reports WHERE reporter_key = $1`
	eraseWeightsSQL = `DELETE FROM reporter_weights WHERE reporter_key = $1`
)

func scanReport(row pgx.Row) (moderation.Report, error) {
	var (
		r      moderation.Report
		reason int16
		state  int16
		at     time.Time
	)
	err := row.Scan(&r.ID, &r.Site, &r.CommentID, &r.ReporterKey, &reason, &r.Note, &state, &at, &r.Weight)
	r.Reason, r.State, r.CreateTime = moderation.ReportReason(reason), moderation.ReportState(state), at.UTC()
	return r, err
}

// FileReport implements moderation.Store. The comment's row lock orders
// the reports of one comment, so that exactly one of them moves it.
func (s *Store) FileReport(ctx context.Context, f moderation.ReportFiling) (moderation.FiledReport, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return moderation.FiledReport{}, wrap("file report", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rep := f.Report
	c, err := comments.ScanComment(tx.QueryRow(ctx, lockCommentSQL, rep.CommentID))
	if errors.Is(err, pgx.ErrNoRows) {
		return moderation.FiledReport{}, fmt.Errorf("postgres: comment %q: %w", rep.CommentID, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.FiledReport{}, wrap("file report", err)
	}
	rep.CreateTime = storesql.StoredTime(rep.CreateTime)
	tag, err := tx.Exec(ctx, insertReportSQL, rep.ID, rep.Site, rep.CommentID, rep.ReporterKey,
		int16(rep.Reason), rep.Note, int16(moderation.ReportOpen), rep.CreateTime)
	if err != nil {
		return moderation.FiledReport{}, wrap("file report", err)
	}
	if tag.RowsAffected() == 0 {
		first, err := scanReport(tx.QueryRow(ctx, reportOfReaderSQL, rep.CommentID, rep.ReporterKey))
		if err != nil {
			return moderation.FiledReport{}, wrap("file report: read the first report", err)
		}
		return moderation.FiledReport{Report: first, Duplicate: true, Comment: c}, nil
	}
	if _, err := tx.Exec(ctx, insertWeightSQL, rep.Site, rep.ReporterKey, moderation.InitialReporterWeight); err != nil {
		return moderation.FiledReport{}, wrap("file report: weight", err)
	}
	stored, err := scanReport(tx.QueryRow(ctx, reportOfReaderSQL, rep.CommentID, rep.ReporterKey))
	if err != nil {
		return moderation.FiledReport{}, wrap("file report", err)
	}
	var (
		readers int
		weight  float64
	)
	if err := tx.QueryRow(ctx, openWeightSQL, rep.CommentID).Scan(&readers, &weight); err != nil {
		return moderation.FiledReport{}, wrap("file report: weigh", err)
	}
	filed := moderation.FiledReport{Report: stored, Comment: c}
	if u, held := f.Held(c, weight, readers, rep.CreateTime); held {
		reasons, err := storesql.EncodeReasons(u.Reasons)
		if err != nil {
			return moderation.FiledReport{}, wrap("file report", err)
		}
		if _, err := tx.Exec(ctx, holdSQL, u.ID, int16(u.Status), u.UpdateTime, reasons); err != nil {
			return moderation.FiledReport{}, wrap("file report: hold", err)
		}
		a := f.Audit
		a.Detail = c.Status.String() + " -> " + u.Status.String()
		if _, err := tx.Exec(ctx, insertAuditSQL, a.ID, a.Time, a.Actor, a.Action, a.Target, a.Note, a.Detail); err != nil {
			return moderation.FiledReport{}, wrap("file report: append audit event", err)
		}
		if f.Outbox != nil {
			if err := insertOutbox(ctx, tx, f.Outbox(u)); err != nil {
				return moderation.FiledReport{}, wrap("file report", err)
			}
		}
		if err := enqueue(ctx, tx, entering(c.Status, u, u.UpdateTime)...); err != nil {
			return moderation.FiledReport{}, wrap("file report", err)
		}
		filed.Comment, filed.Held = u, true
	}
	if err := tx.Commit(ctx); err != nil {
		return moderation.FiledReport{}, wrap("file report", err)
	}
	return filed, nil
}

// settleReports settles a comment's open reports inside UpdateStatus's
// transaction.
func settleReports(ctx context.Context, tx pgx.Tx, id string, res *moderation.ReportResolution) error {
	type reader struct {
		site, key string
		weight    float64
	}
	rows, _ := tx.Query(ctx, openReadersSQL, id)
	rs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (reader, error) {
		var r reader
		err := row.Scan(&r.site, &r.key)
		return r, err
	})
	if err != nil {
		return err
	}
	for _, r := range rs {
		r.weight = moderation.InitialReporterWeight
		if err := tx.QueryRow(ctx, lockWeightSQL, r.site, r.key).Scan(&r.weight); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, setWeightSQL, r.site, r.key, res.Reweigh(r.weight)); err != nil {
			return err
		}
	}
	if len(rs) > 0 {
		if _, err := tx.Exec(ctx, settleSQL, int16(res.State), id); err != nil {
			return err
		}
	}
	return nil
}

// OpenReports implements moderation.Store.
func (s *Store) OpenReports(ctx context.Context, commentIDs []string) ([]moderation.Report, error) {
	if len(commentIDs) == 0 {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, openReportsSQL, commentIDs)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (moderation.Report, error) { return scanReport(row) })
	if err != nil {
		return nil, wrap("open reports", err)
	}
	return out, nil
}

// ReportedComments implements moderation.Store.
func (s *Store) ReportedComments(ctx context.Context, articleID string, limit int) ([]moderation.ReportedComment, error) {
	rows, _ := s.pool.Query(ctx, reportedSQL, articleID, limit)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (moderation.ReportedComment, error) {
		var rc moderation.ReportedComment
		err := row.Scan(&rc.CommentID, &rc.Reports, &rc.Weight)
		return rc, err
	})
	if err != nil {
		return nil, wrap("reported comments", err)
	}
	return out, nil
}

// EraseReports implements moderation.Store.
func (s *Store) EraseReports(ctx context.Context, reporterKey string) (int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, wrap("erase reports", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tag, err := tx.Exec(ctx, eraseReportsSQL, reporterKey)
	if err != nil {
		return 0, wrap("erase reports", err)
	}
	if _, err := tx.Exec(ctx, eraseWeightsSQL, reporterKey); err != nil {
		return 0, wrap("erase reports: weights", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, wrap("erase reports", err)
	}
	return tag.RowsAffected(), nil
}
