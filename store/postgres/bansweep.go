package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

const (
	insertHiddenSQL = `INSERT INTO ban_hidden (ban_id, comment_id, from_status, to_status) VALUES ($1, $2, $3, $4)`
	listHiddenSQL   = `SELECT comment_id, from_status, to_status FROM ban_hidden WHERE ban_id = $1 ORDER BY comment_id`
	deleteHiddenSQL = `DELETE FROM ban_hidden WHERE ban_id = $1`
)

var hiddenCommentsSQL = storesql.HiddenCommentsQuery("$1")

// CreateBanSweep implements moderation.Store. Each comment is locked
// (FOR UPDATE) before it is read, so a moderator's concurrent action
// either comes first, and the comment is no longer published, or waits.
func (s *Store) CreateBanSweep(ctx context.Context, b moderation.Ban, sw moderation.BanSweep) (moderation.Ban, []moderation.Comment, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return moderation.Ban{}, nil, wrap("create ban", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	op := "create ban " + b.ID
	prev, taken, err := insertBan(ctx, tx, b)
	if err != nil {
		return moderation.Ban{}, nil, err
	}
	if taken {
		rows, err := tx.Query(ctx, hiddenCommentsSQL, prev.ID)
		if err != nil {
			return moderation.Ban{}, nil, wrap(op+": hidden comments", err)
		}
		hidden, err := storesql.Collect(rows, 16, comments.ScanComment)
		rows.Close()
		if err != nil {
			return moderation.Ban{}, nil, wrap(op+": hidden comments", err)
		}
		return prev, hidden, nil
	}
	var moved []moderation.Comment
	seen := make(map[string]bool, len(sw.IDs))
	for _, id := range sw.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		c, err := comments.ScanComment(tx.QueryRow(ctx, lockCommentSQL, id))
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return moderation.Ban{}, nil, wrap(op, err)
		}
		if c.Status != moderation.StatusPublished {
			continue // a moderator got there first
		}
		if c, err = sweepOne(ctx, tx, c, sw.To, sw); err != nil {
			return moderation.Ban{}, nil, wrap(op, err)
		}
		if _, err := tx.Exec(ctx, insertHiddenSQL, b.ID, id, int16(moderation.StatusPublished), int16(sw.To)); err != nil {
			return moderation.Ban{}, nil, wrap(op+": record hidden comment", err)
		}
		moved = append(moved, c)
	}
	if err := bumpAndAudit(ctx, tx, sw.Audit(len(moved), 0)); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	var held []moderation.QueueEvent
	for _, c := range moved {
		held = append(held, entering(moderation.StatusPublished, c, sw.Time)...)
	}
	if err := enqueue(ctx, tx, held...); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	return b, moved, nil
}

// DeleteBanSweep implements moderation.Store.
func (s *Store) DeleteBanSweep(ctx context.Context, id string, sw moderation.BanSweep) (moderation.Ban, []moderation.Comment, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return moderation.Ban{}, nil, wrap("delete ban", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	op := "delete ban " + id
	b, err := scanBan(tx.QueryRow(ctx, deleteBanSQL, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return moderation.Ban{}, nil, fmt.Errorf("postgres: ban %q: %w", id, moderation.ErrNotFound)
	}
	if err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	type hidden struct {
		id       string
		from, to moderation.Status
	}
	rows, err := tx.Query(ctx, listHiddenSQL, id)
	if err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	hs, err := storesql.Collect(rows, 16, func(r storesql.Scanner) (hidden, error) {
		var h hidden
		var from, to int16
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
		c, err := comments.ScanComment(tx.QueryRow(ctx, lockCommentSQL, h.id))
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return moderation.Ban{}, nil, wrap(op, err)
		}
		if !storesql.AsBanLeft(c, b, h.to, sw.Note) {
			kept++
			continue
		}
		if c, err = sweepOne(ctx, tx, c, h.from, sw); err != nil {
			return moderation.Ban{}, nil, wrap(op, err)
		}
		moved = append(moved, c)
	}
	if _, err := tx.Exec(ctx, deleteHiddenSQL, id); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	if err := bumpAndAudit(ctx, tx, sw.Audit(len(moved), kept)); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return moderation.Ban{}, nil, wrap(op, err)
	}
	return b, moved, nil
}

// sweepOne moves c to the status to as sw says, inside tx, and returns it
// as it now is.
func sweepOne(ctx context.Context, tx pgx.Tx, c moderation.Comment, to moderation.Status, sw moderation.BanSweep) (moderation.Comment, error) {
	from := c.Status
	c.Status, c.UpdateTime = to, storesql.StoredTime(sw.Time)
	c.ModeratedBy, c.ModerationNote = sw.Actor, sw.Note
	if _, err := tx.Exec(ctx, updateStatusSQL, c.ID, int16(to), sw.Time, sw.Actor, sw.Note); err != nil {
		return c, fmt.Errorf("move %s: %w", c.ID, err)
	}
	a := sw.CommentAudit(c)
	a.Detail = from.String() + " -> " + to.String()
	if _, err := tx.Exec(ctx, insertAuditSQL, a.ID, a.Time, a.Actor, a.Action, a.Target, a.Note, a.Detail); err != nil {
		return c, fmt.Errorf("move %s: append audit event: %w", c.ID, err)
	}
	if sw.Outbox != nil {
		if err := insertOutbox(ctx, tx, sw.Outbox(c)); err != nil {
			return c, fmt.Errorf("move %s: %w", c.ID, err)
		}
	}
	return c, nil
}
