package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/internal/storesql"
)

// hiddenComment is one comment a ban moved: from what, to what, when.
type hiddenComment struct {
	id       string
	from, to moderation.Status
}

// move is one planned status change of a sweep, checked before any is
// made, so that a sweep changes all or nothing.
type move struct {
	r      *record
	c      moderation.Comment // as it will be
	from   moderation.Status
	audit  moderation.AuditEvent
	outbox []moderation.OutboxMessage
}

// plan checks and prepares moving r to to.
func (db *DB) plan(r *record, to moderation.Status, sw moderation.BanSweep) (move, error) {
	c, err := r.read()
	if err != nil {
		return move{}, err
	}
	m := move{r: r, from: c.Status}
	c.Status, c.UpdateTime = to, storesql.StoredTime(sw.Time)
	c.ModeratedBy, c.ModerationNote = sw.Actor, sw.Note
	m.c = c
	m.audit = sw.CommentAudit(c)
	m.audit.Detail = m.from.String() + " -> " + to.String()
	if err := db.checkAudit(m.audit); err != nil {
		return move{}, err
	}
	if sw.Outbox != nil {
		m.outbox = sw.Outbox(c)
		if err := db.checkOutbox(m.outbox); err != nil {
			return move{}, err
		}
	}
	return m, nil
}

// apply makes the planned moves and returns the comments as they now are.
func (db *DB) apply(ms []move) []moderation.Comment {
	out := make([]moderation.Comment, 0, len(ms))
	for _, m := range ms {
		m.r.c.Status, m.r.c.UpdateTime = m.c.Status, m.c.UpdateTime
		m.r.c.ModeratedBy, m.r.c.ModerationNote = m.c.ModeratedBy, m.c.ModerationNote
		db.appendAudit(m.audit)
		db.addOutbox(m.outbox)
		db.enqueue(m.from, m.c, m.c.UpdateTime)
		out = append(out, m.c)
	}
	return out
}

// CreateBanSweep implements moderation.Store.
func (s *Store) CreateBanSweep(ctx context.Context, b moderation.Ban, sw moderation.BanSweep) (moderation.Ban, []moderation.Comment, error) {
	if err := s.lock(ctx, "create ban"); err != nil {
		return moderation.Ban{}, nil, err
	}
	defer s.unlock()
	db := s.db
	if prev, ok := db.banByRequestID(b.RequestID); ok {
		var hidden []moderation.Comment
		for _, h := range db.hidden[prev.ID] {
			if r, ok := db.comments[h.id]; ok {
				hidden = append(hidden, r.c)
			}
		}
		slices.SortFunc(hidden, func(a, b moderation.Comment) int {
			return cmp.Or(a.CreateTime.Compare(b.CreateTime), strings.Compare(a.ID, b.ID))
		})
		return prev, hidden, nil
	}
	if _, taken := db.bans[b.ID]; taken {
		return moderation.Ban{}, nil, fmt.Errorf("memory: create ban %s: the id is taken", b.ID)
	}
	var ms []move
	seen := map[string]bool{}
	for _, id := range sw.IDs {
		r, ok := db.comments[id]
		if !ok || seen[id] || r.c.Status != moderation.StatusPublished {
			continue
		}
		seen[id] = true
		m, err := db.plan(r, sw.To, sw)
		if err != nil {
			return moderation.Ban{}, nil, fmt.Errorf("memory: create ban %s: hide %s: %w", b.ID, id, err)
		}
		ms = append(ms, m)
	}
	audit := sw.Audit(len(ms), 0)
	if err := db.checkAudit(audit); err != nil {
		return moderation.Ban{}, nil, fmt.Errorf("memory: create ban %s: %w", b.ID, err)
	}
	db.bans[b.ID] = storedBan(b)
	db.version++
	db.appendAudit(audit)
	for _, m := range ms {
		db.hidden[b.ID] = append(db.hidden[b.ID], hiddenComment{id: m.c.ID, from: m.from, to: m.c.Status})
	}
	return b, db.apply(ms), nil
}

// DeleteBanSweep implements moderation.Store.
func (s *Store) DeleteBanSweep(ctx context.Context, id string, sw moderation.BanSweep) (moderation.Ban, []moderation.Comment, error) {
	if err := s.lock(ctx, "delete ban"); err != nil {
		return moderation.Ban{}, nil, err
	}
	defer s.unlock()
	db := s.db
	b, ok := db.bans[id]
	if !ok {
		return moderation.Ban{}, nil, fmt.Errorf("memory: ban %q: %w", id, moderation.ErrNotFound)
	}
	var (
		ms   []move
		kept int
	)
	for _, h := range db.hidden[id] {
		r, ok := db.comments[h.id]
		if !ok {
			continue
		}
		c, err := r.read()
		if err != nil {
			return moderation.Ban{}, nil, fmt.Errorf("memory: delete ban %s: %w", id, err)
		}
		if !storesql.AsBanLeft(c, b, h.to, sw.Note) {
			kept++
			continue
		}
		m, err := db.plan(r, h.from, sw)
		if err != nil {
			return moderation.Ban{}, nil, fmt.Errorf("memory: delete ban %s: restore %s: %w", id, h.id, err)
		}
		ms = append(ms, m)
	}
	audit := sw.Audit(len(ms), kept)
	if err := db.checkAudit(audit); err != nil {
		return moderation.Ban{}, nil, fmt.Errorf("memory: delete ban %s: %w", id, err)
	}
	delete(db.bans, id)
	delete(db.hidden, id)
	db.version++
	db.appendAudit(audit)
	return b, db.apply(ms), nil
}
