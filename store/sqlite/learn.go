package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
	"github.com/commentd/commentd/store/internal/storesql"
)

// The learned rule's statistics change only inside UpdateStatus, on the
// writer, so SQLite's one writer orders the events: seq order is commit
// order. Counts move by signed deltas and never go below zero; a row
// left at zero is deleted.
const (
	labelOfSQL     = `SELECT label, tokens FROM comment_labels WHERE comment_id = ?`
	upsertLabelSQL = `INSERT INTO comment_labels (comment_id, site, label, tokens) VALUES (?, ?, ?, ?)
ON CONFLICT (comment_id) DO UPDATE SET site = excluded.site, label = excluded.label, tokens = excluded.tokens`
	deleteLabelSQL = `DELETE FROM comment_labels WHERE comment_id = ?`

	addTokenSQL = `INSERT INTO learned_tokens (site, token, spam, ham) VALUES (?1, ?2, max(?3, 0), max(?4, 0))
ON CONFLICT (site, token) DO UPDATE SET spam = max(spam + ?3, 0), ham = max(ham + ?4, 0)`
	dropTokenSQL = `DELETE FROM learned_tokens WHERE site = ? AND token = ? AND spam = 0 AND ham = 0`

	addTotalsSQL = `INSERT INTO learned_totals (site, spam, ham) VALUES (?1, max(?2, 0), max(?3, 0))
ON CONFLICT (site) DO UPDATE SET spam = max(spam + ?2, 0), ham = max(ham + ?3, 0)`
	dropTotalsSQL = `DELETE FROM learned_totals WHERE site = ? AND spam = 0 AND ham = 0`

	insertLearnEventSQL = `INSERT INTO learn_events (site, from_label, to_label, tokens, new_tokens, create_time)
VALUES (?, ?, ?, ?, ?, ?)`

	learnedTotalsSQL = `SELECT site, spam, ham FROM learned_totals`
	learnedTokensSQL = `SELECT site, token, spam, ham FROM learned_tokens`
	lastLearnSeqSQL  = `SELECT coalesce(max(seq), 0) FROM learn_events`
	learnEventsSQL   = `SELECT ` + storesql.LearnEventColumns + ` FROM learn_events WHERE seq > ? ORDER BY seq LIMIT ?`
	pruneEventsSQL   = `DELETE FROM learn_events WHERE create_time < ?`

	// Run before the comments are blanked, while their email key still
	// finds them.
	eraseLabelsSQL = `DELETE FROM comment_labels WHERE comment_id IN (SELECT id FROM comments WHERE author_email_key = ?)`
)

// train asks u.Train for c's label and, when it differs from the stored
// one, moves the counts and appends the event, inside tx.
func (s *Store) train(ctx context.Context, tx *sql.Tx, c moderation.Comment, u moderation.StatusUpdate) error {
	l, ts := u.Train(c)
	var (
		old  int64
		blob []byte
	)
	err := tx.StmtContext(ctx, s.w.labelOf).QueryRowContext(ctx, c.ID).Scan(&old, &blob)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read label: %w", err)
	}
	oldTokens, err := storesql.DecodeTokens(blob)
	if err != nil {
		return fmt.Errorf("label of %s: %w", c.ID, err)
	}
	rl, ok := storesql.NewRelabel(learn.Label(old), oldTokens, l, ts)
	if !ok {
		return nil
	}

	add, drop := tx.StmtContext(ctx, s.w.addToken), tx.StmtContext(ctx, s.w.dropToken)
	move := func(ts []learn.Token, l learn.Label, sign int64) error {
		ds, dh := storesql.Delta(l, sign)
		if ds == 0 && dh == 0 {
			return nil // None: counted nowhere
		}
		for _, t := range ts {
			if _, err := add.ExecContext(ctx, c.Site, int64(t), ds, dh); err != nil {
				return fmt.Errorf("count token: %w", err)
			}
			if sign < 0 {
				if _, err := drop.ExecContext(ctx, c.Site, int64(t)); err != nil {
					return fmt.Errorf("drop token: %w", err)
				}
			}
		}
		return nil
	}
	if err := move(rl.Tokens, rl.From, -1); err != nil {
		return err
	}
	if err := move(rl.NewTokens, rl.To, +1); err != nil {
		return err
	}
	ds, dh := rl.TotalsDelta()
	if _, err := tx.StmtContext(ctx, s.w.addTotals).ExecContext(ctx, c.Site, ds, dh); err != nil {
		return fmt.Errorf("count totals: %w", err)
	}
	if _, err := tx.StmtContext(ctx, s.w.dropTotals).ExecContext(ctx, c.Site); err != nil {
		return fmt.Errorf("drop totals: %w", err)
	}

	newBlob := storesql.EncodeTokens(rl.NewTokens)
	if rl.To == learn.None {
		_, err = tx.StmtContext(ctx, s.w.deleteLabel).ExecContext(ctx, c.ID)
	} else {
		_, err = tx.StmtContext(ctx, s.w.upsertLabel).ExecContext(ctx, c.ID, c.Site, int64(rl.To), newBlob)
	}
	if err != nil {
		return fmt.Errorf("write label: %w", err)
	}
	_, err = tx.StmtContext(ctx, s.w.insertLearnEvent).ExecContext(ctx, c.Site, int64(rl.From), int64(rl.To),
		storesql.EncodeTokens(rl.Tokens), newBlob, micros(u.Time))
	if err != nil {
		return fmt.Errorf("append learn event: %w", err)
	}
	return nil
}

// LearnedModel implements moderation.Store in one read transaction, so
// the counts and the seq are one snapshot of the WAL.
func (s *Store) LearnedModel(ctx context.Context, totals func(site string, spam, ham int), tokens func(site string, t learn.Token, c learn.Counts)) (int64, error) {
	tx, err := s.read.BeginTx(ctx, nil)
	if err != nil {
		return 0, wrap("learned model", err)
	}
	defer tx.Rollback()
	var seq int64
	if err := tx.QueryRowContext(ctx, lastLearnSeqSQL).Scan(&seq); err != nil {
		return 0, wrap("learned model", err)
	}
	err = eachRow(ctx, tx, learnedTotalsSQL, func(rows *sql.Rows) error {
		var (
			site      string
			spam, ham int64
		)
		if err := rows.Scan(&site, &spam, &ham); err != nil {
			return err
		}
		c := storesql.Counts(spam, ham)
		totals(site, int(c.Spam), int(c.Ham))
		return nil
	})
	if err != nil {
		return 0, wrap("learned model: totals", err)
	}
	err = eachRow(ctx, tx, learnedTokensSQL, func(rows *sql.Rows) error {
		var (
			site      string
			t         int64
			spam, ham int64
		)
		if err := rows.Scan(&site, &t, &spam, &ham); err != nil {
			return err
		}
		tokens(site, learn.Token(t), storesql.Counts(spam, ham))
		return nil
	})
	if err != nil {
		return 0, wrap("learned model: tokens", err)
	}
	return seq, nil
}

func eachRow(ctx context.Context, tx *sql.Tx, query string, f func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// LearnEvents implements moderation.Store.
func (s *Store) LearnEvents(ctx context.Context, after int64, limit int) ([]moderation.LearnEvent, error) {
	if limit < 1 {
		return nil, fmt.Errorf("sqlite: learn events: limit %d, want at least 1", limit)
	}
	rows, err := s.reads.query(ctx, learnEventsSQL, after, limit)
	if err != nil {
		return nil, wrap("learn events", err)
	}
	defer rows.Close()
	out, err := storesql.Collect(rows, limit, scanLearnEvent)
	if err != nil {
		return nil, wrap("learn events", err)
	}
	return out, nil
}

func scanLearnEvent(row storesql.Scanner) (moderation.LearnEvent, error) {
	var (
		e              moderation.LearnEvent
		from, to, us   int64
		tokens, newTok []byte
	)
	if err := row.Scan(&e.Seq, &e.Site, &from, &to, &tokens, &newTok, &us); err != nil {
		return moderation.LearnEvent{}, err
	}
	var err error
	if e.Tokens, err = storesql.DecodeTokens(tokens); err != nil {
		return moderation.LearnEvent{}, fmt.Errorf("learn event %d: %w", e.Seq, err)
	}
	if e.NewTokens, err = storesql.DecodeTokens(newTok); err != nil {
		return moderation.LearnEvent{}, fmt.Errorf("learn event %d: %w", e.Seq, err)
	}
	e.From, e.To, e.Time = learn.Label(from), learn.Label(to), fromMicros(us)
	return e, nil
}

// PruneLearnEvents implements moderation.Store.
func (s *Store) PruneLearnEvents(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, pruneEventsSQL, micros(before))
	if err != nil {
		return 0, wrap("prune learn events", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrap("prune learn events", err)
	}
	return n, nil
}

// TrainExamples implements moderation.Store on the writer, so its events
// take their seqs in commit order like UpdateStatus's.
func (s *Store) TrainExamples(ctx context.Context, b moderation.TrainingBatch) error {
	if err := b.Check(); err != nil {
		return fmt.Errorf("sqlite: train examples: %w", err)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return wrap("train examples", err)
	}
	defer tx.Rollback()
	tr := storesql.NewTrained(b.Examples)
	add := tx.StmtContext(ctx, s.w.addToken)
	for _, d := range tr.Deltas {
		if _, err := add.ExecContext(ctx, b.Site, int64(d.Token), d.Spam, d.Ham); err != nil {
			return wrap("train examples: count token", err)
		}
	}
	if _, err := tx.StmtContext(ctx, s.w.addTotals).ExecContext(ctx, b.Site, tr.Spam, tr.Ham); err != nil {
		return wrap("train examples: count totals", err)
	}
	ins := tx.StmtContext(ctx, s.w.insertLearnEvent)
	for i, e := range b.Examples {
		_, err := ins.ExecContext(ctx, b.Site, int64(learn.None), int64(e.Label), storesql.EncodeTokens(nil), storesql.EncodeTokens(tr.Tokens[i]), micros(b.Time))
		if err != nil {
			return wrap("train examples: append learn event", err)
		}
	}
	if err := insertAudit(ctx, tx.StmtContext(ctx, s.w.insertAudit), b.Audit); err != nil {
		return wrap("train examples", err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("train examples", err)
	}
	return nil
}
