package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

const (
	reportColumns = `r.id, r.site, r.comment_id, r.reporter_key, r.reason, r.note, r.state, r.create_time, coalesce(w.weight, 1.0)`
	reportsFrom   = ` FROM comment_reports r
LEFT JOIN reporter_weights w ON w.site = r.site AND w.reporter_key = r.reporter_key`

	insertReportSQL = `INSERT INTO comment_reports (id, site, comment_id, reporter_key, reason, note, state, create_time)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (comment_id, reporter_key) DO NOTHING`
	reportOfReaderSQL = `SELECT ` + reportColumns + reportsFrom + ` WHERE r.comment_id = ? AND r.reporter_key = ?`
	insertWeightSQL   = `INSERT INTO reporter_weights (site, reporter_key, weight) VALUES (?, ?, ?)
ON CONFLICT (site, reporter_key) DO NOTHING`
	openWeightSQL = `SELECT count(*), coalesce(sum(w.weight), 0)` + reportsFrom + ` WHERE r.comment_id = ? AND r.state = 1`
	holdSQL       = `UPDATE comments SET status = ?, update_time = ?, moderated_by = '', moderation_note = '', reasons = ? WHERE id = ?`

	openReportsSQL = `SELECT ` + reportColumns + reportsFrom + `
WHERE r.state = 1 AND r.comment_id IN (SELECT value FROM json_each(?))
ORDER BY r.comment_id, r.create_time, r.id`
	reportedSQL = `SELECT r.comment_id, count(*), sum(coalesce(w.weight, 1.0)) AS weight` + reportsFrom + `
JOIN comments c ON c.id = r.comment_id
WHERE r.state = 1 AND c.status <> 5 AND (? = '' OR c.article_id = ?)
GROUP BY r.comment_id ORDER BY weight DESC, count(*) DESC, r.comment_id LIMIT ?`

	openReadersSQL = `SELECT r.site, r.reporter_key, coalesce(w.weight, 1.0)` + reportsFrom + ` WHERE r.comment_id = ? AND r.state = 1`
	setWeightSQL   = `INSERT INTO reporter_weights (site, reporter_key, weight) VALUES (?, ?, ?)
ON CONFLICT (site, reporter_key) DO UPDATE SET weight = excluded.weight`
	settleSQL = `UPDATE comment_reports SET state = ? WHERE comment_id = ? AND state = 1`

	eraseReportsSQL = `DELETE FROM comment_reports WHERE reporter_key = ?`
	eraseWeightsSQL = `DELETE FROM reporter_weights WHERE reporter_key = ?`
)

func scanReport(row interface{ Scan(...any) error }) (moderation.Report, error) {
	var (
		r      moderation.Report
		reason int64
		state  int64
		at     int64
	)
	err := row.Scan(&r.ID, &r.Site, &r.CommentID, &r.ReporterKey, &reason, &r.Note, &state, &at, &r.Weight)
	r.Reason, r.State, r.CreateTime = moderation.ReportReason(reason), moderation.ReportState(state), fromMicros(at)
	return r, err
}

// FileReport implements moderation.Store.
func (s *Store) FileReport(ctx context.Context, f moderation.ReportFiling) (moderation.FiledReport, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return moderation.FiledReport{}, wrap("file report", err)
	}
	defer tx.Rollback()
	rep := f.Report
	c, err := comments.ScanComment(tx.StmtContext(ctx, s.w.commentByID).QueryRowContext(ctx, rep.CommentID))
	if errors.Is(err, sql.ErrNoRows) {
		return moderation.FiledReport{}, fmt.Errorf("sqlite: comment %q: %w", rep.CommentID, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.FiledReport{}, wrap("file report", err)
	}
	rep.CreateTime = storesql.StoredTime(rep.CreateTime)
	res, err := tx.ExecContext(ctx, insertReportSQL, rep.ID, rep.Site, rep.CommentID, rep.ReporterKey,
		int64(rep.Reason), rep.Note, int64(moderation.ReportOpen), micros(rep.CreateTime))
	if err != nil {
		return moderation.FiledReport{}, wrap("file report", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return moderation.FiledReport{}, wrap("file report", err)
	} else if n == 0 {
		first, err := scanReport(tx.QueryRowContext(ctx, reportOfReaderSQL, rep.CommentID, rep.ReporterKey))
		if err != nil {
			return moderation.FiledReport{}, wrap("file report: read the first report", err)
		}
		return moderation.FiledReport{Report: first, Duplicate: true, Comment: c}, nil
	}
	if _, err := tx.ExecContext(ctx, insertWeightSQL, rep.Site, rep.ReporterKey, moderation.InitialReporterWeight); err != nil {
		return moderation.FiledReport{}, wrap("file report: weight", err)
	}
	stored, err := scanReport(tx.QueryRowContext(ctx, reportOfReaderSQL, rep.CommentID, rep.ReporterKey))
	if err != nil {
		return moderation.FiledReport{}, wrap("file report", err)
	}
	var (
		readers int
		weight  float64
	)
	if err := tx.QueryRowContext(ctx, openWeightSQL, rep.CommentID).Scan(&readers, &weight); err != nil {
		return moderation.FiledReport{}, wrap("file report: weigh", err)
	}
	filed := moderation.FiledReport{Report: stored, Comment: c}
	if u, held := f.Held(c, weight, readers, rep.CreateTime); held {
		reasons, err := storesql.EncodeReasons(u.Reasons)
		if err != nil {
			return moderation.FiledReport{}, wrap("file report", err)
		}
		if _, err := tx.ExecContext(ctx, holdSQL, int64(u.Status), micros(u.UpdateTime), reasons, u.ID); err != nil {
			return moderation.FiledReport{}, wrap("file report: hold", err)
		}
		a := f.Audit
		a.Detail = c.Status.String() + " -> " + u.Status.String()
		if err := insertAudit(ctx, tx.StmtContext(ctx, s.w.insertAudit), a); err != nil {
			return moderation.FiledReport{}, wrap("file report", err)
		}
		if f.Outbox != nil {
			if err := s.insertOutbox(ctx, tx, f.Outbox(u)); err != nil {
				return moderation.FiledReport{}, wrap("file report", err)
			}
		}
		if err := s.enqueue(ctx, tx, c.Status, u, u.UpdateTime); err != nil {
			return moderation.FiledReport{}, wrap("file report", err)
		}
		filed.Comment, filed.Held = u, true
	}
	if err := tx.Commit(); err != nil {
		return moderation.FiledReport{}, wrap("file report", err)
	}
	return filed, nil
}

// settleReports settles a comment's open reports inside UpdateStatus's
// transaction.
func settleReports(ctx context.Context, tx *sql.Tx, id string, res *moderation.ReportResolution) error {
	rows, err := tx.QueryContext(ctx, openReadersSQL, id)
	if err != nil {
		return err
	}
	type reader struct {
		site, key string
		weight    float64
	}
	var rs []reader
	for rows.Next() {
		var r reader
		if err := rows.Scan(&r.site, &r.key, &r.weight); err != nil {
			rows.Close()
			return err
		}
		rs = append(rs, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range rs {
		if _, err := tx.ExecContext(ctx, setWeightSQL, r.site, r.key, res.Reweigh(r.weight)); err != nil {
			return err
		}
	}
	if len(rs) > 0 {
		if _, err := tx.ExecContext(ctx, settleSQL, int64(res.State), id); err != nil {
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
	ids, err := json.Marshal(commentIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open reports: %w", err)
	}
	rows, err := s.reads.query(ctx, openReportsSQL, string(ids))
	if err != nil {
		return nil, wrap("open reports", err)
	}
	defer rows.Close()
	var out []moderation.Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, wrap("open reports", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("open reports", err)
	}
	return out, nil
}

// ReportedComments implements moderation.Store.
func (s *Store) ReportedComments(ctx context.Context, articleID string, limit int) ([]moderation.ReportedComment, error) {
	rows, err := s.reads.query(ctx, reportedSQL, articleID, articleID, limit)
	if err != nil {
		return nil, wrap("reported comments", err)
	}
	defer rows.Close()
	var out []moderation.ReportedComment
	for rows.Next() {
		var rc moderation.ReportedComment
		if err := rows.Scan(&rc.CommentID, &rc.Reports, &rc.Weight); err != nil {
			return nil, wrap("reported comments", err)
		}
		out = append(out, rc)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("reported comments", err)
	}
	return out, nil
}

// EraseReports implements moderation.Store.
func (s *Store) EraseReports(ctx context.Context, reporterKey string) (int64, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, wrap("erase reports", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, eraseReportsSQL, reporterKey)
	if err != nil {
		return 0, wrap("erase reports", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrap("erase reports", err)
	}
	if _, err := tx.ExecContext(ctx, eraseWeightsSQL, reporterKey); err != nil {
		return 0, wrap("erase reports: weights", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, wrap("erase reports", err)
	}
	return n, nil
}
