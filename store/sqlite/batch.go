package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// Group commit. With synchronous=FULL every commit costs an fsync, and
// SQLite has one writer, so one transaction per comment would cap the
// submission rate at the disk's fsync rate. Instead one goroutine owns
// the inserts: it takes every submission waiting while the previous
// commit ran and stores them all in one transaction, so concurrent
// submissions share one commit and one fsync. No one waits on a timer:
// a lone submission is committed at once.

// maxBatch bounds how many submissions share one transaction.
const maxBatch = 256

var errClosed = errors.New("sqlite: store is closed")

type createReq struct {
	ctx   context.Context
	c     moderation.Comment
	out   []moderation.OutboxMessage
	reply chan createResult // buffered: the batcher never blocks on it
}

type createResult struct {
	c        moderation.Comment
	conflict moderation.Conflict
	err      error
}

type batcher struct {
	s    *Store
	reqs chan *createReq // unbuffered: a request is either taken or refused
	quit chan struct{}
	done chan struct{} // closed once the last batch has been answered
}

func startBatcher(s *Store) *batcher {
	b := &batcher{s: s, reqs: make(chan *createReq), quit: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	return b
}

// stop finishes the batch in progress and refuses any later request.
func (b *batcher) stop() {
	close(b.quit)
	<-b.done
}

// create hands c and its outbox messages to the batcher and waits for
// its commit.
func (b *batcher) create(ctx context.Context, c moderation.Comment, out []moderation.OutboxMessage) createResult {
	req := &createReq{ctx: ctx, c: c, out: out, reply: make(chan createResult, 1)}
	select {
	case b.reqs <- req:
	case <-ctx.Done():
		return createResult{err: fmt.Errorf("sqlite: create comment: %w", ctx.Err())}
	case <-b.quit:
		return createResult{err: errClosed}
	}
	select {
	case r := <-req.reply:
		return r
	case <-ctx.Done():
		// The comment may still be committed; a retry with the same
		// request id finds it.
		return createResult{err: fmt.Errorf("sqlite: create comment: %w", ctx.Err())}
	}
}

func (b *batcher) run() {
	defer close(b.done)
	batch := make([]*createReq, 0, maxBatch)
	for {
		select {
		case r := <-b.reqs:
			batch = append(batch[:0], r)
		case <-b.quit:
			return
		}
		// Take everyone who queued up while the last commit ran.
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		results := b.s.commitBatch(batch)
		for i, r := range batch {
			r.reply <- results[i]
			batch[i] = nil
		}
	}
}

// commitBatch stores a batch in one transaction and returns one result
// per request.
func (s *Store) commitBatch(batch []*createReq) []createResult {
	results := make([]createResult, len(batch))
	failAll := func(err error) []createResult {
		err = wrap("create comment", err)
		for i := range results {
			if results[i].err == nil {
				results[i] = createResult{err: err}
			}
		}
		return results
	}

	// The transaction serves many callers, so no one caller's context
	// may cancel it; each caller's context is checked before its insert.
	ctx := context.Background()
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return failAll(err)
	}
	defer tx.Rollback()
	insert := tx.StmtContext(ctx, s.w.insertComment)
	byRequestID := tx.StmtContext(ctx, s.w.commentByRequestID)
	duplicate := tx.StmtContext(ctx, s.w.duplicate)

	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i].err = fmt.Errorf("sqlite: create comment: %w", err)
			continue
		}
		args, err := comments.Args(&r.c)
		if err != nil {
			results[i].err = fmt.Errorf("sqlite: create comment %s: %w", r.c.ID, err)
			continue
		}
		res, err := insert.ExecContext(ctx, args...)
		var n int64
		switch {
		case isConstraint(err):
			// A taken id or a duplicate: SQLite undid this statement only,
			// so the rest of the batch goes on.
		case err != nil:
			// Other errors (I/O, full disk) may have rolled the whole
			// transaction back.
			return failAll(err)
		default:
			if n, err = res.RowsAffected(); err != nil {
				return failAll(err)
			}
		}
		if n == 1 {
			if err := s.insertOutbox(ctx, tx, r.out); err != nil {
				// Only a taken id could fail here: nothing of the batch
				// is kept, and every caller hears so.
				return failAll(err)
			}
			if err := s.enqueue(ctx, tx, moderation.StatusUnspecified, r.c, r.c.CreateTime); err != nil {
				return failAll(err)
			}
			results[i] = createResult{c: storesql.Stored(r.c)}
			continue
		}
		// The (site, request_id) or the duplicate key was taken, perhaps
		// earlier in this batch.
		existing, conflict, lerr := conflicting(ctx, byRequestID, duplicate, r.c)
		switch {
		case lerr != nil:
			return failAll(lerr)
		case conflict == moderation.NoConflict && err != nil:
			results[i].err = fmt.Errorf("sqlite: create comment %s: %w", r.c.ID, err)
		case conflict == moderation.NoConflict:
			results[i].err = fmt.Errorf("sqlite: create comment %s: not stored, yet no comment conflicts with it", r.c.ID)
		default:
			results[i] = createResult{c: existing, conflict: conflict}
		}
	}
	if err := tx.Commit(); err != nil {
		return failAll(err)
	}
	return results
}

// conflicting returns the stored comment that kept c from being stored,
// and why: one with the same request id, or else c's duplicate. It
// returns NoConflict when there is neither.
func conflicting(ctx context.Context, byRequestID, duplicate *sql.Stmt, c moderation.Comment) (moderation.Comment, moderation.Conflict, error) {
	if c.RequestID != "" {
		existing, err := comments.ScanComment(byRequestID.QueryRowContext(ctx, c.Site, c.RequestID))
		if err == nil {
			return existing, moderation.ConflictRequestID, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return moderation.Comment{}, 0, fmt.Errorf("read comment with request id %q: %w", c.RequestID, err)
		}
	}
	if c.AuthorKey != "" && c.BodyFingerprint != "" {
		existing, err := comments.ScanComment(duplicate.QueryRowContext(ctx, c.Site, c.ArticleID, c.AuthorKey, c.BodyFingerprint))
		if err == nil {
			return existing, moderation.ConflictDuplicate, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return moderation.Comment{}, 0, fmt.Errorf("read duplicate of comment %s: %w", c.ID, err)
		}
	}
	return moderation.Comment{}, moderation.NoConflict, nil
}
