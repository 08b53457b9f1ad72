// Package memory is a moderation.Store that keeps everything in the
// process's memory: for tests of the domain that need a store and no
// database, and for trying commentd out. Nothing survives the process.
//
// It answers exactly as store/sqlite and store/postgres do, as the
// conformance suite store/storetest checks: the same idempotency and
// duplicate rules at write time, orders, pagination, precision of times
// (microseconds, read back in UTC) and audit events. It never answers
// ErrUnavailable.
package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
	"github.com/commentd/commentd/store/internal/storesql"
)

// DB is one in-memory database. Stores opened on it share what it holds,
// as stores opened on one database file do.
type DB struct {
	mu       sync.Mutex
	comments map[string]*record
	audit    map[string]moderation.AuditEvent
	terms    map[termKey]moderation.WordTerm
	bans     map[string]moderation.Ban
	secrets  map[string][]byte
	version  int64
	articles map[articleKey]moderation.ArticleSettings // no entry: open
	// What each ban hid, by ban id (the SQL stores' ban_hidden).
	hidden map[string][]hiddenComment

	// The learned rule: each comment's label with the tokens it was
	// counted with, the counts per site, and the events in Seq order.
	labels  map[string]label
	tokens  map[string]map[learn.Token]learn.Counts
	totals  map[string]learn.Counts // per site: how many comments of each label
	events  []moderation.LearnEvent
	lastSeq int64

	// The webhooks' outbox in the order it was stored, and the leases.
	outbox       []*delivery
	deliveryIDs  map[string]*delivery
	lastDelivery int64
	leases       map[string]lease

	// Reader reports in the order they were filed, and readers' weights.
	reports []*moderation.Report
	weights map[weightKey]float64

	queue queueLog
}

type label struct {
	site   string
	label  learn.Label
	tokens []learn.Token
}

// record is one stored comment: the comment with its reasons as stored
// (JSON, as the SQL stores keep them) and its author's email key.
type record struct {
	c        moderation.Comment // Reasons always nil
	reasons  string
	emailKey string
}

type termKey struct {
	site string
	list moderation.WordList
	term string
}

// New returns an empty database.
func New() *DB {
	return &DB{
		comments: make(map[string]*record),
		audit:    make(map[string]moderation.AuditEvent),
		terms:    make(map[termKey]moderation.WordTerm),
		bans:     make(map[string]moderation.Ban),
		secrets:  make(map[string][]byte),
		hidden:   make(map[string][]hiddenComment),
		labels:   make(map[string]label),
		tokens:   make(map[string]map[learn.Token]learn.Counts),
		totals:   make(map[string]learn.Counts),

		deliveryIDs: make(map[string]*delivery),
		leases:      make(map[string]lease),
		weights:     make(map[weightKey]float64),
	}
}

// Open returns a store over db. Closing it leaves db as it is, so that
// Open gives the same data again.
func (db *DB) Open() *Store { return &Store{db: db} }

// Store is a moderation.Store over a DB. It is safe for concurrent use;
// it returns copies, never what it holds.
type Store struct {
	db     *DB
	mu     sync.Mutex // guards closed; db.mu guards the data
	closed bool
}

var _ moderation.Store = (*Store)(nil)

var errClosed = errors.New("memory: store is closed")

// Close closes the store; later calls fail. It is safe to call more than
// once.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// lock checks the store and ctx and locks the database; the caller
// unlocks it.
func (s *Store) lock(ctx context.Context, op string) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return errClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: %s: %w", op, err)
	}
	s.db.mu.Lock()
	return nil
}

func (s *Store) unlock() { s.db.mu.Unlock() }

// read returns a copy of r's comment as a store reads it back.
func (r *record) read() (moderation.Comment, error) {
	c := r.c
	c.RequestHash = slices.Clone(c.RequestHash)
	var err error
	if c.Reasons, err = storesql.DecodeReasons(r.reasons); err != nil {
		return moderation.Comment{}, fmt.Errorf("comment %s: %w", c.ID, err)
	}
	return c, nil
}

// public returns what a public listing reads of r.
func (r *record) public() moderation.Comment {
	return moderation.Comment{
		ID: r.c.ID, Site: r.c.Site, ArticleID: r.c.ArticleID, ParentID: r.c.ParentID,
		Author: moderation.Author{Name: r.c.Author.Name, URL: r.c.Author.URL},
		Body:   r.c.Body, Status: r.c.Status, CreateTime: r.c.CreateTime, UpdateTime: r.c.UpdateTime,
	}
}

// duplicateKey reports the key of the duplicate rule's unique index and
// whether r is in that index: not deleted and with both keys.
func (r *record) duplicateKey() (dupKey, bool) {
	c := &r.c
	in := c.Status != moderation.StatusDeleted && c.AuthorKey != "" && c.BodyFingerprint != ""
	return dupKey{c.Site, c.ArticleID, c.AuthorKey, c.BodyFingerprint}, in
}

type dupKey struct{ site, article, author, fingerprint string }

// byRequestID returns the site's comment stored under requestID, or nil.
func (db *DB) byRequestID(site, requestID string) *record {
	if requestID == "" {
		return nil
	}
	for _, r := range db.comments {
		if r.c.Site == site && r.c.RequestID == requestID {
			return r
		}
	}
	return nil
}

// duplicate returns the comment holding k in the duplicate index, other
// than except, or nil.
func (db *DB) duplicate(k dupKey, except *record) *record {
	for _, r := range db.comments {
		if rk, in := r.duplicateKey(); in && rk == k && r != except {
			return r
		}
	}
	return nil
}

// CreateComment implements moderation.Store. As in the SQL stores, a
// taken request id wins over a taken comment id, which is an error, and
// that over a duplicate.
func (s *Store) CreateComment(ctx context.Context, c moderation.Comment, out ...moderation.OutboxMessage) (moderation.Comment, moderation.Conflict, error) {
	if err := s.lock(ctx, "create comment"); err != nil {
		return moderation.Comment{}, 0, err
	}
	defer s.unlock()
	db := s.db
	if r := db.byRequestID(c.Site, c.RequestID); r != nil {
		existing, err := r.read()
		if err != nil {
			return moderation.Comment{}, 0, fmt.Errorf("memory: create comment: %w", err)
		}
		return existing, moderation.ConflictRequestID, nil
	}
	if _, taken := db.comments[c.ID]; taken {
		return moderation.Comment{}, 0, fmt.Errorf("memory: create comment %s: the id is taken", c.ID)
	}
	reasons, err := storesql.EncodeReasons(c.Reasons)
	if err != nil {
		return moderation.Comment{}, 0, fmt.Errorf("memory: create comment %s: %w", c.ID, err)
	}
	stored := storesql.Stored(c)
	stored.RequestHash = slices.Clone(stored.RequestHash)
	r := &record{c: stored, reasons: reasons, emailKey: moderation.EmailKey(c.Author.Email)}
	r.c.Reasons = nil
	if k, in := r.duplicateKey(); in {
		if d := db.duplicate(k, nil); d != nil {
			existing, err := d.read()
			if err != nil {
				return moderation.Comment{}, 0, fmt.Errorf("memory: create comment: %w", err)
			}
			return existing, moderation.ConflictDuplicate, nil
		}
	}
	if err := db.checkOutbox(out); err != nil {
		return moderation.Comment{}, 0, fmt.Errorf("memory: create comment %s: %w", c.ID, err)
	}
	db.comments[c.ID] = r
	// What a read gives back: reasons through their stored form.
	created, err := r.read()
	if err != nil {
		delete(db.comments, c.ID)
		return moderation.Comment{}, 0, fmt.Errorf("memory: create comment: %w", err)
	}
	db.addOutbox(out)
	db.enqueue(moderation.StatusUnspecified, created, created.CreateTime)
	return created, moderation.NoConflict, nil
}

// Prior implements moderation.Store.
func (s *Store) Prior(ctx context.Context, q moderation.PriorQuery) (moderation.Prior, error) {
	if err := s.lock(ctx, "look up earlier comments"); err != nil {
		return moderation.Prior{}, err
	}
	defer s.unlock()
	var p moderation.Prior
	if r := s.db.byRequestID(q.Site, q.RequestID); r != nil {
		c, err := r.read()
		if err != nil {
			return moderation.Prior{}, fmt.Errorf("memory: look up earlier comments: %w", err)
		}
		p.Request = &c
	}
	if q.AuthorKey != "" && q.Fingerprint != "" {
		if r := s.db.duplicate(dupKey{q.Site, q.ArticleID, q.AuthorKey, q.Fingerprint}, nil); r != nil {
			c, err := r.read()
			if err != nil {
				return moderation.Prior{}, fmt.Errorf("memory: look up earlier comments: %w", err)
			}
			p.Duplicate = &c
		}
	}
	if q.AuthorKey != "" {
		for _, r := range s.db.comments {
			if r.c.Site == q.Site && r.c.AuthorKey == q.AuthorKey && r.c.Status == moderation.StatusPublished {
				p.Approved = true
				break
			}
		}
	}
	if q.FirstComment {
		p.FirstCommentTime = s.db.firstComment(q.Site, q.ArticleID).CreateTime
	}
	return p, nil
}

// Comment implements moderation.Store.
func (s *Store) Comment(ctx context.Context, id string) (moderation.Comment, error) {
	if err := s.lock(ctx, "get comment"); err != nil {
		return moderation.Comment{}, err
	}
	defer s.unlock()
	r, ok := s.db.comments[id]
	if !ok {
		return moderation.Comment{}, fmt.Errorf("memory: comment %q: %w", id, moderation.ErrNotFound)
	}
	c, err := r.read()
	if err != nil {
		return moderation.Comment{}, fmt.Errorf("memory: get comment: %w", err)
	}
	return c, nil
}

// compareKeys orders by (create_time, id), ids byte-wise as both SQL
// stores compare them.
func compareKeys(t1 time.Time, id1 string, t2 time.Time, id2 string) int {
	return cmp.Or(t1.Compare(t2), strings.Compare(id1, id2))
}

// afterCursor reports whether (t, id) comes strictly after the cursor in
// the listing's order. The cursor's time counts to the microsecond, as
// the SQL stores bind it.
func afterCursor(t time.Time, id string, after *moderation.Cursor, newestFirst bool) bool {
	if after == nil {
		return true
	}
	d := compareKeys(t, id, storesql.StoredTime(after.Time), after.ID)
	if newestFirst {
		return d < 0
	}
	return d > 0
}

// page sorts items by key in the listing's order and keeps at most limit.
func page[T any](items []T, key func(T) (time.Time, string), newestFirst bool, limit int) []T {
	slices.SortFunc(items, func(a, b T) int {
		ta, ia := key(a)
		tb, ib := key(b)
		d := compareKeys(ta, ia, tb, ib)
		if newestFirst {
			return -d
		}
		return d
	})
	return items[:min(len(items), limit)]
}

// ListComments implements moderation.Store.
func (s *Store) ListComments(ctx context.Context, f moderation.Filter) ([]moderation.Comment, error) {
	if len(f.Statuses) == 0 {
		return nil, errors.New("memory: list comments: filter has no statuses")
	}
	if f.Limit < 1 {
		return nil, fmt.Errorf("memory: list comments: filter limit %d, want at least 1", f.Limit)
	}
	if err := s.lock(ctx, "list comments"); err != nil {
		return nil, err
	}
	defer s.unlock()
	since, until := storesql.CeilMicro(f.Since), storesql.CeilMicro(f.Until)
	var rs []*record
	for _, r := range s.db.comments {
		c := &r.c
		switch {
		case !slices.Contains(f.Statuses, c.Status),
			f.Site != "" && c.Site != f.Site,
			f.ArticleID != "" && c.ArticleID != f.ArticleID,
			f.AuthorEmailKey != "" && r.emailKey != f.AuthorEmailKey,
			!f.Since.IsZero() && c.CreateTime.Before(since),
			!f.Until.IsZero() && !c.CreateTime.Before(until),
			!afterCursor(c.CreateTime, c.ID, f.After, f.NewestFirst):
			continue
		}
		rs = append(rs, r)
	}
	rs = page(rs, func(r *record) (time.Time, string) { return r.c.CreateTime, r.c.ID }, f.NewestFirst, f.Limit)
	out := make([]moderation.Comment, 0, len(rs))
	for _, r := range rs {
		if f.Public {
			out = append(out, r.public())
			continue
		}
		c, err := r.read()
		if err != nil {
			return nil, fmt.Errorf("memory: list comments: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// CountByStatus implements moderation.Store. Like the SQL stores' GROUP
// BY, it leaves out statuses without comments.
func (s *Store) CountByStatus(ctx context.Context, statuses []moderation.Status) (map[moderation.Status]int64, error) {
	if err := s.lock(ctx, "count by status"); err != nil {
		return nil, err
	}
	defer s.unlock()
	counts := make(map[moderation.Status]int64)
	for _, r := range s.db.comments {
		if slices.Contains(statuses, r.c.Status) {
			counts[r.c.Status]++
		}
	}
	return counts, nil
}

// CountPublished implements moderation.Store. Articles without published
// comments are left out.
func (s *Store) CountPublished(ctx context.Context, site string, articleIDs []string) (map[string]int64, error) {
	if err := s.lock(ctx, "count comments"); err != nil {
		return nil, err
	}
	defer s.unlock()
	counts := make(map[string]int64, len(articleIDs))
	for _, r := range s.db.comments {
		if r.c.Site == site && r.c.Status == moderation.StatusPublished && slices.Contains(articleIDs, r.c.ArticleID) {
			counts[r.c.ArticleID]++
		}
	}
	return counts, nil
}

// UpdateStatus implements moderation.Store.
func (s *Store) UpdateStatus(ctx context.Context, u moderation.StatusUpdate) (moderation.Comment, bool, error) {
	if u.Next == nil {
		return moderation.Comment{}, false, errors.New("memory: update status: no Next function")
	}
	if err := s.lock(ctx, "update status"); err != nil {
		return moderation.Comment{}, false, err
	}
	defer s.unlock()
	db := s.db
	r, ok := db.comments[u.ID]
	if !ok {
		return moderation.Comment{}, false, fmt.Errorf("memory: comment %q: %w", u.ID, moderation.ErrNotFound)
	}
	c, err := r.read()
	if err != nil {
		return moderation.Comment{}, false, fmt.Errorf("memory: update status: %w", err)
	}
	next, err := u.Next(c.Status)
	if err != nil {
		return c, false, err // as is, so that callers find their *moderation.Error
	}
	changed := next != c.Status
	updated := c
	var a moderation.AuditEvent
	if changed {
		// The checks of the SQL stores' constraints, before anything changes.
		moved := *r
		moved.c.Status = next
		if k, in := moved.duplicateKey(); in && db.duplicate(k, r) != nil {
			return c, false, fmt.Errorf("memory: update status of %s: another comment holds its duplicate key", u.ID)
		}
		a = u.Audit
		a.Detail = c.Status.String() + " -> " + next.String()
		if err := db.checkAudit(a); err != nil {
			return c, false, fmt.Errorf("memory: update status: %w", err)
		}
		updated.Status, updated.UpdateTime = next, storesql.StoredTime(u.Time)
		updated.ModeratedBy, updated.ModerationNote = u.Actor, u.Note
	}
	confirms := !changed && u.Confirms(c)
	if confirms {
		updated.ModeratedBy, updated.ModerationNote = u.Actor, u.Note
	}
	var out []moderation.OutboxMessage
	if changed && u.Outbox != nil {
		out = u.Outbox(updated)
		if err := db.checkOutbox(out); err != nil {
			return c, false, fmt.Errorf("memory: update status: %w", err)
		}
	}
	if u.Train != nil {
		l, ts := u.Train(updated)
		old := db.labels[c.ID]
		if rl, ok := storesql.NewRelabel(old.label, old.tokens, l, ts); ok {
			db.relabel(c.ID, c.Site, rl, u.Time)
		}
	}
	if u.Reports != nil {
		db.resolveReports(c.ID, u.Reports)
	}
	if !changed {
		if !confirms {
			return c, false, nil
		}
		r.c.ModeratedBy, r.c.ModerationNote = u.Actor, u.Note
		return updated, false, nil
	}
	r.c.Status = next
	r.c.UpdateTime = updated.UpdateTime
	r.c.ModeratedBy = u.Actor
	r.c.ModerationNote = u.Note
	db.appendAudit(a)
	db.addOutbox(out)
	db.enqueue(c.Status, updated, u.Time)
	return updated, true, nil
}

// TrainExamples implements moderation.Store.
func (s *Store) TrainExamples(ctx context.Context, b moderation.TrainingBatch) error {
	if err := b.Check(); err != nil {
		return fmt.Errorf("memory: train examples: %w", err)
	}
	if err := s.lock(ctx, "train examples"); err != nil {
		return err
	}
	defer s.unlock()
	if err := s.db.checkAudit(b.Audit); err != nil {
		return fmt.Errorf("memory: train examples: %w", err)
	}
	for _, e := range b.Examples {
		rl, _ := storesql.NewRelabel(learn.None, nil, e.Label, e.Tokens)
		s.db.count(b.Site, rl, b.Time)
	}
	s.db.appendAudit(b.Audit)
	return nil
}

// relabel moves comment id's tokens as rl says and records the event.
func (db *DB) relabel(id, site string, rl storesql.Relabel, tm time.Time) {
	db.count(site, rl, tm)
	if rl.To == learn.None {
		delete(db.labels, id)
	} else {
		db.labels[id] = label{site: site, label: rl.To, tokens: rl.NewTokens}
	}
}

// count moves a site's counts as rl says and records the event.
func (db *DB) count(site string, rl storesql.Relabel, tm time.Time) {
	counts := db.tokens[site]
	if counts == nil {
		counts = make(map[learn.Token]learn.Counts)
		db.tokens[site] = counts
	}
	move := func(ts []learn.Token, l learn.Label, sign int64) {
		ds, dh := storesql.Delta(l, sign)
		for _, t := range ts {
			c := addCounts(counts[t], ds, dh)
			if c == (learn.Counts{}) {
				delete(counts, t)
			} else {
				counts[t] = c
			}
		}
	}
	move(rl.Tokens, rl.From, -1)
	move(rl.NewTokens, rl.To, +1)
	if len(counts) == 0 {
		delete(db.tokens, site)
	}
	ds, dh := rl.TotalsDelta()
	if tot := addCounts(db.totals[site], ds, dh); tot == (learn.Counts{}) {
		delete(db.totals, site)
	} else {
		db.totals[site] = tot
	}
	db.lastSeq++
	db.events = append(db.events, moderation.LearnEvent{
		Seq: db.lastSeq, Site: site, From: rl.From, To: rl.To,
		Tokens: rl.Tokens, NewTokens: rl.NewTokens, Time: storesql.StoredTime(tm),
	})
}

// addCounts adds to c without going below zero, as the SQL stores do.
func addCounts(c learn.Counts, spam, ham int64) learn.Counts {
	return storesql.Counts(int64(c.Spam)+spam, int64(c.Ham)+ham)
}

// checkAudit refuses an event whose id is taken, as the SQL stores'
// primary key does.
func (db *DB) checkAudit(a moderation.AuditEvent) error {
	if _, taken := db.audit[a.ID]; taken {
		return fmt.Errorf("append audit event: the id %s is taken", a.ID)
	}
	return nil
}

// appendAudit stores a, which checkAudit accepted.
func (db *DB) appendAudit(a moderation.AuditEvent) {
	a.Time = storesql.StoredTime(a.Time)
	db.audit[a.ID] = a
}

// AppendAudit implements moderation.Store.
func (s *Store) AppendAudit(ctx context.Context, a moderation.AuditEvent) error {
	if err := s.lock(ctx, "append audit event"); err != nil {
		return err
	}
	defer s.unlock()
	if err := s.db.checkAudit(a); err != nil {
		return fmt.Errorf("memory: %w", err)
	}
	s.db.appendAudit(a)
	return nil
}

// ListAuditEvents implements moderation.Store: newest first by
// (create_time, id).
func (s *Store) ListAuditEvents(ctx context.Context, f moderation.AuditFilter) ([]moderation.AuditEvent, error) {
	if f.Limit < 1 {
		return nil, fmt.Errorf("memory: list audit events: limit %d, want at least 1", f.Limit)
	}
	if err := s.lock(ctx, "list audit events"); err != nil {
		return nil, err
	}
	defer s.unlock()
	out := []moderation.AuditEvent{}
	for _, a := range s.db.audit {
		if (f.Actor == "" || a.Actor == f.Actor) && (f.Target == "" || a.Target == f.Target) &&
			afterCursor(a.Time, a.ID, f.After, true) {
			out = append(out, a)
		}
	}
	return page(out, func(a moderation.AuditEvent) (time.Time, string) { return a.Time, a.ID }, true, f.Limit), nil
}

// AuthorHistory implements moderation.Store.
func (s *Store) AuthorHistory(ctx context.Context, emailKey string) (moderation.AuthorHistory, error) {
	if err := s.lock(ctx, "author history"); err != nil {
		return nil, err
	}
	defer s.unlock()
	h := make(moderation.AuthorHistory)
	for _, r := range s.db.comments {
		if r.emailKey == emailKey {
			h[r.c.Status]++
		}
	}
	return h, nil
}

// EraseAuthor implements moderation.Store.
func (s *Store) EraseAuthor(ctx context.Context, emailKey string, at time.Time, audit moderation.AuditEvent, out moderation.ErasureOutbox) (int64, error) {
	if err := s.lock(ctx, "erase author"); err != nil {
		return 0, err
	}
	defer s.unlock()
	db := s.db
	if err := db.checkAudit(audit); err != nil {
		return 0, fmt.Errorf("memory: erase author: %w", err)
	}
	// Every check before anything changes: the tombstones and their
	// messages first.
	erased := make(map[string]bool)
	var (
		tombstones []*record
		events     []moderation.OutboxMessage
	)
	for _, r := range db.comments {
		if r.emailKey != emailKey {
			continue
		}
		c := r.c
		t := &record{c: moderation.Comment{
			ID: c.ID, Site: c.Site, ArticleID: c.ArticleID, ParentID: c.ParentID, RequestID: c.RequestID, ImportKey: c.ImportKey,
			Status: moderation.StatusDeleted, InitialStatus: moderation.StatusDeleted,
			CreateTime: c.CreateTime, UpdateTime: storesql.StoredTime(at), ModeratedBy: audit.Actor,
		}, reasons: "[]"}
		tombstones = append(tombstones, t)
		erased[c.ID] = true
		if out.Events != nil {
			tc, err := t.read()
			if err != nil {
				return 0, fmt.Errorf("memory: erase author: %w", err)
			}
			events = append(events, out.Events(tc)...)
		}
	}
	if err := db.checkOutbox(events); err != nil {
		return 0, fmt.Errorf("memory: erase author: %w", err)
	}
	for _, t := range tombstones {
		db.comments[t.c.ID] = t
		delete(db.labels, t.c.ID) // its tokens came from the reader's text
	}
	db.scrubOutbox(erased, out.Scrub)
	db.addOutbox(events)
	db.appendAudit(audit)
	return int64(len(tombstones)), nil
}

// EraseClientData implements moderation.Store: the oldest comments
// first.
func (s *Store) EraseClientData(ctx context.Context, before time.Time, limit int) (int64, error) {
	if limit < 0 {
		return 0, fmt.Errorf("memory: erase client data: limit %d, want at least 0", limit)
	}
	if err := s.lock(ctx, "erase client data"); err != nil {
		return 0, err
	}
	defer s.unlock()
	before = storesql.StoredTime(before)
	var rs []*record
	for _, r := range s.db.comments {
		if r.c.CreateTime.Before(before) && (r.c.Client.IP != "" || r.c.Client.UserAgent != "") {
			rs = append(rs, r)
		}
	}
	rs = page(rs, func(r *record) (time.Time, string) { return r.c.CreateTime, r.c.ID }, false, limit)
	for _, r := range rs {
		r.c.Client.IP, r.c.Client.UserAgent = "", ""
	}
	return int64(len(rs)), nil
}

// Secret implements moderation.Store.
func (s *Store) Secret(ctx context.Context, name string, fresh []byte) ([]byte, error) {
	if err := s.lock(ctx, "secret"); err != nil {
		return nil, err
	}
	defer s.unlock()
	v, ok := s.db.secrets[name]
	if !ok {
		if fresh == nil {
			// The SQL stores' column is NOT NULL.
			return nil, fmt.Errorf("memory: store secret %q: no value", name)
		}
		v = slices.Clone(fresh)
		s.db.secrets[name] = v
	}
	return slices.Clone(v), nil
}

// RulesVersion implements moderation.Store.
func (s *Store) RulesVersion(ctx context.Context) (int64, error) {
	if err := s.lock(ctx, "rules version"); err != nil {
		return 0, err
	}
	defer s.unlock()
	return s.db.version, nil
}

// sortedTerms returns the terms for which keep is true, sorted by site,
// list and term.
func (db *DB) sortedTerms(keep func(termKey) bool) []moderation.WordTerm {
	out := []moderation.WordTerm{}
	for k, w := range db.terms {
		if keep(k) {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b moderation.WordTerm) int {
		return cmp.Or(strings.Compare(a.Site, b.Site), cmp.Compare(a.List, b.List), strings.Compare(a.Term, b.Term))
	})
	return out
}

// WordTerms implements moderation.Store.
func (s *Store) WordTerms(ctx context.Context) ([]moderation.WordTerm, error) {
	if err := s.lock(ctx, "word terms"); err != nil {
		return nil, err
	}
	defer s.unlock()
	return s.db.sortedTerms(func(termKey) bool { return true }), nil
}

// UpdateWordList implements moderation.Store.
func (s *Store) UpdateWordList(ctx context.Context, u moderation.WordListUpdate) (moderation.WordListResult, error) {
	if !u.List.Valid() {
		return moderation.WordListResult{}, fmt.Errorf("memory: update word list: invalid list %v", u.List)
	}
	if err := s.lock(ctx, "update word list"); err != nil {
		return moderation.WordListResult{}, err
	}
	defer s.unlock()
	db := s.db
	// What changes, worked out before anything does.
	present := func(term string) bool { _, ok := db.terms[termKey{u.Site, u.List, term}]; return ok }
	var added, removed []string
	for _, term := range u.Add {
		if !present(term) && !slices.Contains(added, term) {
			added = append(added, term)
		}
	}
	for _, term := range u.Remove {
		if (present(term) || slices.Contains(added, term)) && !slices.Contains(removed, term) {
			removed = append(removed, term)
		}
	}
	if len(added) > 0 || len(removed) > 0 {
		a := u.Audit
		a.Detail = moderation.NewWordListResult(u, nil, added, removed).Detail(u.Site)
		if err := db.checkAudit(a); err != nil {
			return moderation.WordListResult{}, fmt.Errorf("memory: update word list: %w", err)
		}
		for _, term := range added {
			db.terms[termKey{u.Site, u.List, term}] = moderation.WordTerm{
				List: u.List, Term: term, CreateTime: storesql.StoredTime(u.Time), CreatedBy: u.Actor, Site: u.Site,
			}
		}
		for _, term := range removed {
			delete(db.terms, termKey{u.Site, u.List, term})
		}
		db.version++
		db.appendAudit(a)
	}
	terms := db.sortedTerms(func(k termKey) bool { return k.site == u.Site && k.list == u.List })
	return moderation.NewWordListResult(u, terms, added, removed), nil
}

// storedBan returns b as the SQL stores read it back.
func storedBan(b moderation.Ban) moderation.Ban {
	b.CreateTime = storesql.StoredTime(b.CreateTime)
	if !b.ExpireTime.IsZero() {
		b.ExpireTime = storesql.StoredTime(b.ExpireTime)
	}
	return b
}

// CreateBan implements moderation.Store.
func (s *Store) CreateBan(ctx context.Context, b moderation.Ban, audit moderation.AuditEvent) (moderation.Ban, error) {
	if err := s.lock(ctx, "create ban"); err != nil {
		return moderation.Ban{}, err
	}
	defer s.unlock()
	db := s.db
	if prev, ok := db.banByRequestID(b.RequestID); ok {
		return prev, nil
	}
	if _, taken := db.bans[b.ID]; taken {
		return moderation.Ban{}, fmt.Errorf("memory: create ban %s: the id is taken", b.ID)
	}
	if err := db.checkAudit(audit); err != nil {
		return moderation.Ban{}, fmt.Errorf("memory: create ban %s: %w", b.ID, err)
	}
	db.bans[b.ID] = storedBan(b)
	db.version++
	db.appendAudit(audit)
	return b, nil
}

// banByRequestID returns the ban stored with request id, if any.
func (db *DB) banByRequestID(id string) (moderation.Ban, bool) {
	if id == "" {
		return moderation.Ban{}, false
	}
	for _, b := range db.bans {
		if b.RequestID == id {
			return b, true
		}
	}
	return moderation.Ban{}, false
}

// DeleteBan implements moderation.Store.
func (s *Store) DeleteBan(ctx context.Context, id string, audit moderation.AuditEvent) (moderation.Ban, error) {
	if err := s.lock(ctx, "delete ban"); err != nil {
		return moderation.Ban{}, err
	}
	defer s.unlock()
	db := s.db
	b, ok := db.bans[id]
	if !ok {
		return moderation.Ban{}, fmt.Errorf("memory: ban %q: %w", id, moderation.ErrNotFound)
	}
	if err := db.checkAudit(audit); err != nil {
		return moderation.Ban{}, fmt.Errorf("memory: delete ban %s: %w", id, err)
	}
	delete(db.bans, id)
	delete(db.hidden, id)
	db.version++
	db.appendAudit(audit)
	return b, nil
}

// ListBans implements moderation.Store.
func (s *Store) ListBans(ctx context.Context, now time.Time, after *moderation.Cursor, limit int, site string) ([]moderation.Ban, error) {
	if limit < 1 {
		return nil, fmt.Errorf("memory: list bans: limit %d, want at least 1", limit)
	}
	if err := s.lock(ctx, "list bans"); err != nil {
		return nil, err
	}
	defer s.unlock()
	// Stored expiries are whole microseconds: against them, now truncated
	// to the microsecond means what now does (see storesql.BansQuery).
	now = storesql.StoredTime(now)
	out := []moderation.Ban{}
	for _, b := range s.db.bans {
		if (b.ExpireTime.IsZero() || b.ExpireTime.After(now)) && afterCursor(b.CreateTime, b.ID, after, true) &&
			(site == "" || b.Site == "" || b.Site == site) {
			out = append(out, b)
		}
	}
	return page(out, func(b moderation.Ban) (time.Time, string) { return b.CreateTime, b.ID }, true, limit), nil
}

// LearnedModel implements moderation.Store.
func (s *Store) LearnedModel(ctx context.Context, totals func(site string, spam, ham int), tokens func(site string, t learn.Token, c learn.Counts)) (int64, error) {
	if err := s.lock(ctx, "learned model"); err != nil {
		return 0, err
	}
	defer s.unlock()
	// The callbacks run under the lock, as they run inside a read
	// transaction in the SQL stores: they must not call the store.
	for site, c := range s.db.totals {
		totals(site, int(c.Spam), int(c.Ham))
	}
	for site, counts := range s.db.tokens {
		for t, c := range counts {
			tokens(site, t, c)
		}
	}
	return s.db.lastEventSeq(), nil
}

// lastEventSeq is the Seq of the newest event kept, as the SQL stores
// read it with max(seq).
func (db *DB) lastEventSeq() int64 {
	if len(db.events) == 0 {
		return 0
	}
	return db.events[len(db.events)-1].Seq
}

// LearnEvents implements moderation.Store.
func (s *Store) LearnEvents(ctx context.Context, after int64, limit int) ([]moderation.LearnEvent, error) {
	if limit < 1 {
		return nil, fmt.Errorf("memory: learn events: limit %d, want at least 1", limit)
	}
	if err := s.lock(ctx, "learn events"); err != nil {
		return nil, err
	}
	defer s.unlock()
	evs := s.db.events
	i, _ := slices.BinarySearchFunc(evs, after+1, func(e moderation.LearnEvent, seq int64) int { return cmp.Compare(e.Seq, seq) })
	evs = evs[i:min(len(evs), i+limit)]
	out := make([]moderation.LearnEvent, len(evs))
	for i, e := range evs {
		e.Tokens, e.NewTokens = slices.Clone(e.Tokens), slices.Clone(e.NewTokens)
		out[i] = e
	}
	return out, nil
}

// PruneLearnEvents implements moderation.Store.
func (s *Store) PruneLearnEvents(ctx context.Context, before time.Time) (int64, error) {
	if err := s.lock(ctx, "prune learn events"); err != nil {
		return 0, err
	}
	defer s.unlock()
	before = storesql.StoredTime(before)
	n := len(s.db.events)
	s.db.events = slices.DeleteFunc(s.db.events, func(e moderation.LearnEvent) bool { return e.Time.Before(before) })
	return int64(n - len(s.db.events)), nil
}

// ImportComments implements moderation.Store. The comments go in as
// they are decided; the labels and the audit event, which cannot fail
// once checked, are applied only when all went well, so a failure leaves
// the database as it was, as a rolled-back transaction would.
func (s *Store) ImportComments(ctx context.Context, b moderation.ImportBatch) ([]moderation.ImportResult, error) {
	if err := s.lock(ctx, "import comments"); err != nil {
		return nil, err
	}
	defer s.unlock()
	db := s.db
	var (
		added    []string
		labelled []moderation.ImportComment
		tokens   [][]learn.Token
		audit    *moderation.AuditEvent
	)
	ops := storesql.ImportOps{
		Lookup: func(keys []string) (map[string]storesql.ImportRef, error) {
			want := make(map[string]bool, len(keys))
			for _, k := range keys {
				want[k] = true
			}
			found := map[string]storesql.ImportRef{}
			for _, r := range db.comments {
				if r.c.Site == b.Site && r.c.ImportKey != "" && want[r.c.ImportKey] {
					found[r.c.ImportKey] = storesql.ImportRef{ID: r.c.ID, ArticleID: r.c.ArticleID}
				}
			}
			return found, nil
		},
		Insert: func(c *moderation.Comment) (bool, error) {
			if _, taken := db.comments[c.ID]; taken {
				return false, fmt.Errorf("comment %s: the id is taken", c.ID)
			}
			reasons, err := storesql.EncodeReasons(c.Reasons)
			if err != nil {
				return false, fmt.Errorf("comment %s: %w", c.ID, err)
			}
			stored := storesql.Stored(*c)
			stored.RequestHash = slices.Clone(stored.RequestHash)
			stored.Reasons = nil
			r := &record{c: stored, reasons: reasons, emailKey: moderation.EmailKey(c.Author.Email)}
			if k, in := r.duplicateKey(); in && db.duplicate(k, nil) != nil {
				return false, nil
			}
			db.comments[c.ID] = r
			added = append(added, c.ID)
			return true, nil
		},
		Label: func(ls []moderation.ImportComment, tr storesql.Trained) error {
			labelled, tokens = ls, tr.Tokens
			return nil
		},
		Audit: func(a moderation.AuditEvent) error {
			if err := db.checkAudit(a); err != nil {
				return err
			}
			audit = &a
			return nil
		},
	}
	out, err := storesql.Import(b, ops)
	if err != nil {
		for _, id := range added {
			delete(db.comments, id)
		}
		return nil, fmt.Errorf("memory: import comments: %w", err)
	}
	for i, ic := range labelled {
		rl, _ := storesql.NewRelabel(learn.None, nil, ic.Label, tokens[i])
		db.relabel(ic.Comment.ID, b.Site, rl, b.Time)
	}
	if audit != nil {
		db.appendAudit(*audit)
	}
	return out, nil
}
