package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
	"github.com/commentd/commentd/store/internal/storesql"
)

// A sequence hands out values in the order transactions ask, not the
// order they commit, so a reader polling learn_events by seq could pass
// over an event committed late. Every writer of the statistics therefore
// takes a transaction-scoped advisory lock before it touches a count:
// the next writer allocates its seq only after the previous one
// committed, so seq order is commit order. Moderator decisions are rare,
// so the queue is short; the lock also orders the writers of shared count
// rows, so they cannot deadlock. Not LOCK TABLE: the batch below has
// PostgreSQL parse its INSERT, which takes learn_events' ROW EXCLUSIVE
// lock, before the LOCK runs, and two writers upgrading would deadlock.
var learnLockID = int64(crc32.ChecksumIEEE([]byte("commentd learn events")))

const (
	labelOfSQL     = `SELECT label, tokens FROM comment_labels WHERE comment_id = $1`
	lockLearnSQL   = `SELECT pg_advisory_xact_lock($1)`
	upsertLabelSQL = `INSERT INTO comment_labels (comment_id, site, label, tokens) VALUES ($1, $2, $3, $4)
ON CONFLICT (comment_id) DO UPDATE SET site = EXCLUDED.site, label = EXCLUDED.label, tokens = EXCLUDED.tokens`
	deleteLabelSQL = `DELETE FROM comment_labels WHERE comment_id = $1`

	// Counts move by signed deltas and never go below zero; rows left at
	// zero are deleted.
	addTokensSQL = `INSERT INTO learned_tokens (site, token, spam, ham)
SELECT $1, t, greatest($3::bigint, 0), greatest($4::bigint, 0) FROM unnest($2::bigint[]) AS t
ON CONFLICT (site, token) DO UPDATE
SET spam = greatest(learned_tokens.spam + $3, 0), ham = greatest(learned_tokens.ham + $4, 0)`
	dropTokensSQL = `DELETE FROM learned_tokens WHERE site = $1 AND token = ANY($2::bigint[]) AND spam = 0 AND ham = 0`
	addTotalsSQL  = `INSERT INTO learned_totals (site, spam, ham) VALUES ($1, greatest($2::bigint, 0), greatest($3::bigint, 0))
ON CONFLICT (site) DO UPDATE
SET spam = greatest(learned_totals.spam + $2, 0), ham = greatest(learned_totals.ham + $3, 0)`
	dropTotalsSQL = `DELETE FROM learned_totals WHERE site = $1 AND spam = 0 AND ham = 0`

	insertLearnEventSQL = `INSERT INTO learn_events (site, from_label, to_label, tokens, new_tokens, create_time)
VALUES ($1, $2, $3, $4, $5, $6)`

	learnedTotalsSQL = `SELECT site, spam, ham FROM learned_totals`
	learnedTokensSQL = `SELECT site, token, spam, ham FROM learned_tokens`
	lastLearnSeqSQL  = `SELECT coalesce(max(seq), 0) FROM learn_events`
	learnEventsSQL   = `SELECT ` + storesql.LearnEventColumns + ` FROM learn_events WHERE seq > $1 ORDER BY seq LIMIT $2`
	pruneEventsSQL   = `DELETE FROM learn_events WHERE create_time < $1`

	eraseLabelsSQL = `DELETE FROM comment_labels WHERE comment_id = ANY($1)`

	// A training batch: each token's own growth, and one event per
	// example in the batch's order.
	trainTokensSQL = `INSERT INTO learned_tokens (site, token, spam, ham)
SELECT $1, t, s, h FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS d(t, s, h)
ON CONFLICT (site, token) DO UPDATE
SET spam = learned_tokens.spam + EXCLUDED.spam, ham = learned_tokens.ham + EXCLUDED.ham`
	trainEventsSQL = `INSERT INTO learn_events (site, from_label, to_label, tokens, new_tokens, create_time)
SELECT $1, $2, l, '', nt, $5 FROM unnest($3::smallint[], $4::bytea[]) WITH ORDINALITY AS e(l, nt, n) ORDER BY n`
)

// train asks u.Train for c's label and, when it differs from the stored
// one, moves the counts and appends the event, inside tx, which holds c's
// row lock: no one else changes c's label meanwhile.
func train(ctx context.Context, tx pgx.Tx, c moderation.Comment, u moderation.StatusUpdate) error {
	l, ts := u.Train(c)
	var (
		old  int16
		blob []byte
	)
	err := tx.QueryRow(ctx, labelOfSQL, c.ID).Scan(&old, &blob)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
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

	// One round trip for the rest.
	b := &pgx.Batch{}
	b.Queue(lockLearnSQL, learnLockID)
	if ds, dh := storesql.Delta(rl.From, -1); len(rl.Tokens) > 0 && (ds != 0 || dh != 0) {
		b.Queue(addTokensSQL, c.Site, bigints(rl.Tokens), ds, dh)
		b.Queue(dropTokensSQL, c.Site, bigints(rl.Tokens))
	}
	if ds, dh := storesql.Delta(rl.To, +1); len(rl.NewTokens) > 0 && (ds != 0 || dh != 0) {
		b.Queue(addTokensSQL, c.Site, bigints(rl.NewTokens), ds, dh)
	}
	ds, dh := rl.TotalsDelta()
	b.Queue(addTotalsSQL, c.Site, ds, dh)
	b.Queue(dropTotalsSQL, c.Site)
	newBlob := storesql.EncodeTokens(rl.NewTokens)
	if rl.To == learn.None {
		b.Queue(deleteLabelSQL, c.ID)
	} else {
		b.Queue(upsertLabelSQL, c.ID, c.Site, int16(rl.To), newBlob)
	}
	b.Queue(insertLearnEventSQL, c.Site, int16(rl.From), int16(rl.To), storesql.EncodeTokens(rl.Tokens), newBlob, u.Time)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("learn: %w", err)
	}
	return nil
}

// bigints reinterprets tokens as PostgreSQL's signed bigint, every bit
// kept.
func bigints(ts []learn.Token) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = int64(t)
	}
	return out
}

// LearnedModel implements moderation.Store in one REPEATABLE READ
// transaction: the counts and the seq are one snapshot.
func (s *Store) LearnedModel(ctx context.Context, totals func(site string, spam, ham int), tokens func(site string, t learn.Token, c learn.Counts)) (int64, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, wrap("learned model", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var seq int64
	if err := tx.QueryRow(ctx, lastLearnSeqSQL).Scan(&seq); err != nil {
		return 0, wrap("learned model", err)
	}
	var (
		site      string
		t         int64
		spam, ham int64
	)
	rows, _ := tx.Query(ctx, learnedTotalsSQL)
	_, err = pgx.ForEachRow(rows, []any{&site, &spam, &ham}, func() error {
		c := storesql.Counts(spam, ham)
		totals(site, int(c.Spam), int(c.Ham))
		return nil
	})
	if err != nil {
		return 0, wrap("learned model: totals", err)
	}
	rows, _ = tx.Query(ctx, learnedTokensSQL)
	_, err = pgx.ForEachRow(rows, []any{&site, &t, &spam, &ham}, func() error {
		tokens(site, learn.Token(t), storesql.Counts(spam, ham))
		return nil
	})
	if err != nil {
		return 0, wrap("learned model: tokens", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, wrap("learned model", err)
	}
	return seq, nil
}

// LearnEvents implements moderation.Store.
func (s *Store) LearnEvents(ctx context.Context, after int64, limit int) ([]moderation.LearnEvent, error) {
	if limit < 1 {
		return nil, fmt.Errorf("postgres: learn events: limit %d, want at least 1", limit)
	}
	rows, err := s.pool.Query(ctx, learnEventsSQL, after, limit)
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
		from, to       int16
		tokens, newTok []byte
	)
	if err := row.Scan(&e.Seq, &e.Site, &from, &to, &tokens, &newTok, &e.Time); err != nil {
		return moderation.LearnEvent{}, err
	}
	var err error
	if e.Tokens, err = storesql.DecodeTokens(tokens); err != nil {
		return moderation.LearnEvent{}, fmt.Errorf("learn event %d: %w", e.Seq, err)
	}
	if e.NewTokens, err = storesql.DecodeTokens(newTok); err != nil {
		return moderation.LearnEvent{}, fmt.Errorf("learn event %d: %w", e.Seq, err)
	}
	e.From, e.To, e.Time = learn.Label(from), learn.Label(to), e.Time.UTC()
	return e, nil
}

// PruneLearnEvents implements moderation.Store.
func (s *Store) PruneLearnEvents(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, pruneEventsSQL, before)
	if err != nil {
		return 0, wrap("prune learn events", err)
	}
	return tag.RowsAffected(), nil
}

// TrainExamples implements moderation.Store in one round trip, under the
// learn lock like train, so seq order stays commit order.
func (s *Store) TrainExamples(ctx context.Context, b moderation.TrainingBatch) error {
	if err := b.Check(); err != nil {
		return fmt.Errorf("postgres: train examples: %w", err)
	}
	tr := storesql.NewTrained(b.Examples)
	toks := make([]int64, len(tr.Deltas))
	spam := make([]int64, len(tr.Deltas))
	ham := make([]int64, len(tr.Deltas))
	for i, d := range tr.Deltas {
		toks[i], spam[i], ham[i] = int64(d.Token), d.Spam, d.Ham
	}
	labels := make([]int16, len(b.Examples))
	blobs := make([][]byte, len(b.Examples))
	for i, e := range b.Examples {
		labels[i], blobs[i] = int16(e.Label), storesql.EncodeTokens(tr.Tokens[i])
	}
	a := b.Audit

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return wrap("train examples", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	batch := &pgx.Batch{}
	batch.Queue(lockLearnSQL, learnLockID)
	if len(toks) > 0 {
		batch.Queue(trainTokensSQL, b.Site, toks, spam, ham)
	}
	batch.Queue(addTotalsSQL, b.Site, tr.Spam, tr.Ham)
	batch.Queue(dropTotalsSQL, b.Site)
	batch.Queue(trainEventsSQL, b.Site, int16(learn.None), labels, blobs, b.Time)
	batch.Queue(insertAuditSQL, a.ID, a.Time, a.Actor, a.Action, a.Target, a.Note, a.Detail)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return wrap("train examples", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return wrap("train examples", err)
	}
	return nil
}
