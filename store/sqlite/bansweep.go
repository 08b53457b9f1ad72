package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

const (
	insertHiddenSQL = `INSERT INTO ban_hidden (ban_id, comment_id, from_status, to_status) VALUES (?, ?, ?, ?)`
	listHiddenSQL   = `SELECT comment_id, from_status, to_status FROM ban_hidden WHERE ban_id = ? ORDER BY comment_id`
	deleteHiddenSQL = `DELETE FROM ban_hidden WHERE ban_id = ?`
)

var (
	hiddenCommentsSQL = storesql.HiddenCommentsQuery("?")
)

// CreateBanSweep implements moderation.Store.
func (s *Store) CreateBanSweep(ctx context.Context, b moderation.Ban, sw moderation.BanSweep) (moderation.Ban, []moderation.Comment, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return moderation.Ban{}, nil, wrap("create ban", err)
	}
	defer tx.Rollback()
	op := "create ban " + b.ID
	prev, found, err := banByRequestID(ctx, tx, b.RequestID)
	if err != nil {
		return moderation.Ban{}, nil, err
	}
	if found {
		hidden, err := hiddenComments(ctx, tx, prev.ID)
		if err != nil {
			return moderation.Ban{}, nil, wrap(op, err)
		}
		return prev, hidden, nil
	}
	if err := s.insertBan(ctx, tx, b); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	var moved []moderation.Comment
	seen := make(map[string]bool, len(sw.IDs))
	for _, id := range sw.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		c, err := comments.ScanComment(tx.StmtContext(ctx, s.w.commentByID).QueryRowContext(ctx, id))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return moderation.Ban{}, nil, wrap(op, err)
		}
		if c.Status != moderation.StatusPublished {
			continue // a moderator or a retry got there first
		}
		c, err = s.sweepOne(ctx, tx, c, sw.To, sw)
		if err != nil {
			return moderation.Ban{}, nil, wrap(op, err)
		}
		if _, err := tx.ExecContext(ctx, insertHiddenSQL, b.ID, id, int64(moderation.StatusPublished), int64(sw.To)); err != nil {
			return moderation.Ban{}, nil, wrap(op+": record hidden comment", err)
		}
		moved = append(moved, c)
	}
	if err := s.bumpAndAudit(ctx, tx, sw.Audit(len(moved), 0)); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	if err := tx.Commit(); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	return b, moved, nil
}

// hiddenComments returns the comments ban hid, as they now are.
func hiddenComments(ctx context.Context, tx *sql.Tx, ban string) ([]moderation.Comment, error) {
	rows, err := tx.QueryContext(ctx, hiddenCommentsSQL, ban)
	if err != nil {
		return nil, fmt.Errorf("hidden comments: %w", err)
	}
	defer rows.Close()
	return storesql.Collect(rows, 16, comments.ScanComment)
}

// DeleteBanSweep implements moderation.Store.
func (s *Store) DeleteBanSweep(ctx context.Context, id string, sw moderation.BanSweep) (moderation.Ban, []moderation.Comment, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return moderation.Ban{}, nil, wrap("delete ban", err)
	}
	defer tx.Rollback()
	op := "delete ban " + id
	b, err := scanBan(tx.StmtContext(ctx, s.w.deleteBan).QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return moderation.Ban{}, nil, fmt.Errorf("sqlite: ban %q: %w", id, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	type hidden struct {
		id       string
		from, to moderation.Status
	}
	rows, err := tx.QueryContext(ctx, listHiddenSQL, id)
	if err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	hs, err := storesql.Collect(rows, 16, func(r storesql.Scanner) (hidden, error) {
		var h hidden
		var from, to int64
		err := r.Scan(&h.id, &from, &to)
		h.from, h.to = moderation.Status(from), moderation.Status(to)
		return h, err
	})
	rows.Close()
	if err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	var (
		moved []moderation.Comment
		kept  int
	)
	for _, h := range hs {
		c, err := comments.ScanComment(tx.StmtContext(ctx, s.w.commentByID).QueryRowContext(ctx, h.id))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return moderation.Ban{}, nil, wrap(op, err)
		}
		if !storesql.AsBanLeft(c, b, h.to, sw.Note) {
			kept++
			continue
		}
		if c, err = s.sweepOne(ctx, tx, c, h.from, sw); err != nil {
			return moderation.Ban{}, nil, wrap(op, err)
		}
		moved = append(moved, c)
	}
	if _, err := tx.ExecContext(ctx, deleteHiddenSQL, id); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	if err := s.bumpAndAudit(ctx, tx, sw.Audit(len(moved), kept)); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	if err := tx.Commit(); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	return b, moved, nil
}

// sweepOne moves c to the status to as sw says, inside tx, and returns it
// as it now is.
func (s *Store) sweepOne(ctx context.Context, tx *sql.Tx, c moderation.Comment, to moderation.Status, sw moderation.BanSweep) (moderation.Comment, error) {
	from := c.Status
	c.Status, c.UpdateTime = to, storesql.StoredTime(sw.Time)
	c.ModeratedBy, c.ModerationNote = sw.Actor, sw.Note
	if _, err := tx.StmtContext(ctx, s.w.updateStatus).ExecContext(ctx, int64(to), micros(sw.Time), sw.Actor, sw.Note, c.ID); err != nil {
		return c, fmt.Errorf("move %s: %w", c.ID, err)
	}
	a := sw.CommentAudit(c)
	a.Detail = from.String() + " -> " + to.String()
	if err := insertAudit(ctx, tx.StmtContext(ctx, s.w.insertAudit), a); err != nil {
		return c, fmt.Errorf("move %s: %w", c.ID, err)
	}
	if sw.Outbox != nil {
		if err := s.insertOutbox(ctx, tx, sw.Outbox(c)); err != nil {
			return c, fmt.Errorf("move %s: %w", c.ID, err)
		}
	}
	if err := s.enqueue(ctx, tx, from, c, sw.Time); err != nil {
		return c, fmt.Errorf("move %s: %w", c.ID, err)
	}
	return c, nil
}
