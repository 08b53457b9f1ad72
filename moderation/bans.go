package moderation

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/commentd/commentd/moderation/textmatch"
)

// banIndex finds the bans that match a submission without a store trip.
type banIndex struct {
	exact map[BanKind]map[string]Ban // email, ip, name
	cidrs []Ban
	nets  []netip.Prefix
}

// newBanIndex indexes bans for names keyed with opts, the options the
// submission's name key is built with.
func newBanIndex(bans []Ban, opts textmatch.Options) banIndex {
	idx := banIndex{exact: map[BanKind]map[string]Ban{}}
	for _, b := range bans {
		if b.Kind == BanCIDR {
			// Mapped prefixes stored before CreateBan unmapped them match too.
			if p, err := netip.ParsePrefix(b.Value); err == nil {
				if p, ok := unmapPrefix(p); ok {
					idx.cidrs, idx.nets = append(idx.cidrs, b), append(idx.nets, p.Masked())
				}
			}
			continue
		}
		if idx.exact[b.Kind] == nil {
			idx.exact[b.Kind] = map[string]Ban{}
		}
		key := b.Value
		switch {
		case b.Kind == BanEmail:
			key = mailboxKey(key) // a ban holds for every +tag of the inbox
		case b.Kind == BanName && b.Display != "":
			// Value is keyed without the policy's options (leetspeak), which
			// may change after the ban: key the name as submissions are.
			key = textmatch.Normalize(b.Display, opts).String()
		}
		idx.exact[b.Kind][key] = b
	}
	return idx
}

// match returns a reason for every ban in force that matches.
func (idx banIndex) match(s Submission, nameKey string, now time.Time) []Reason {
	var out []Reason
	hit := func(b Ban, what string) {
		if !b.Active(now) {
			return
		}
		d := fmt.Sprintf("%s is banned", what)
		if b.Site != "" {
			d += " on site " + b.Site
		}
		if b.Reason != "" {
			d += ": " + b.Reason
		}
		if !b.ExpireTime.IsZero() {
			d += fmt.Sprintf(" (until %s)", b.ExpireTime.Format(time.RFC3339))
		}
		out = append(out, Reason{Rule: "ban_" + b.Kind.String(), Action: RuleSpam, Detail: d})
	}
	if b, ok := idx.exact[BanEmail][mailboxKey(s.Author.Email)]; ok {
		hit(b, "the author's email")
	}
	if nameKey != "" {
		if b, ok := idx.exact[BanName][nameKey]; ok {
			hit(b, "the author's name")
		}
	}
	if ip, err := netip.ParseAddr(s.Client.IP); err == nil {
		ip = ip.Unmap()
		if b, ok := idx.exact[BanIP][ip.String()]; ok {
			hit(b, "the client IP")
		}
		for i, p := range idx.nets {
			if p.Contains(ip) {
				hit(idx.cidrs[i], "the client's network "+p.String())
			}
		}
	}
	return out
}

// ForSite returns reasons as the site that submitted the comment may see
// them. A ban's reason is the moderator's private note, and which of the
// author's email, name or IP is banned is the moderators' business: every
// ban shows as one generic reason, so that a site key cannot read notes or
// tell which of its fields to change.
func ForSite(rs []Reason) []Reason {
	out := make([]Reason, 0, len(rs))
	banned := false
	for _, r := range rs {
		if !strings.HasPrefix(r.Rule, "ban_") {
			out = append(out, r)
			continue
		}
		if !banned {
			banned = true
			out = append(out, Reason{Rule: "ban", Action: RuleSpam, Detail: "the comment matches a moderator's ban"})
		}
	}
	return out
}

// unmapPrefix turns an IPv4-mapped IPv6 prefix (::ffff:203.0.113.0/120)
// into the IPv4 prefix it stands for (203.0.113.0/24), since clients'
// addresses are unmapped before they are matched. ok is false for a
// mapped prefix wider than the mapped space: it would reach beyond IPv4.
func unmapPrefix(p netip.Prefix) (netip.Prefix, bool) {
	if !p.Addr().Is4In6() {
		return p, true
	}
	if p.Bits() < 96 {
		return p, false
	}
	return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96), true
}

// BanRequest is a moderator's ban, before it is stored.
type BanRequest struct {
	Actor      string
	Kind       BanKind
	Target     string
	ExpireTime time.Time
	Reason     string
	// Site scopes the ban to one site's submissions; "" bans on every site.
	Site string
	// RequestID makes the request safe to retry (AIP-155): a ban stored
	// with it answers a retry, which stores nothing. Optional.
	RequestID string
	// HidePast, when more than 0, also hides the matching comments
	// published in this much time before the ban (see CreateBan), as
	// HideAs: PENDING (also when unspecified) or SPAM.
	HidePast time.Duration
	HideAs   Status
}

// Bounds of a ban's look-back.
const (
	MaxBanReasonRunes = 500
	// MaxBanHidePast bounds how far back a ban hides comments.
	MaxBanHidePast = 30 * 24 * time.Hour
	// MaxBanHide bounds how many comments one ban hides: a ban that
	// matches more is refused, and hides nothing, rather than hide some.
	MaxBanHide = 1000
)

// BanResult is a stored ban and what it moved.
type BanResult struct {
	Ban Ban
	// Moved is the comments the ban hid, or when lifted put back, as
	// they now are.
	Moved []Comment
	// Kept counts, when a ban is lifted with restore, the comments it hid
	// that someone has moved or confirmed since: they stay as decided.
	Kept int
}

// CreateBan validates and stores a ban; every replica applies it within
// seconds.
//
// With r.HidePast the ban also cleans up, in the same transaction: every
// comment published within r.HidePast before now that the ban would have
// filed as spam had it been in force — the same match as a submission's,
// on the email's inbox, the client IP (while the retention window keeps
// it) or the name's match key, on every site or only on the ban's site —
// moves to r.HideAs, with an
// audit event and the webhook event (comment.held or comment.spam) each.
// Nothing is trained: the moderator judged the reader, not each comment,
// and a reader's ordinary words would teach the learned rule wrongly;
// DeleteBan with restore puts the comments back exactly.
func (s *Service) CreateBan(ctx context.Context, r BanRequest) (BanResult, error) {
	now := s.clock()
	b := Ban{ID: s.newID(), Kind: r.Kind, Display: strings.TrimSpace(r.Target), ExpireTime: r.ExpireTime.UTC(),
		Reason: r.Reason, CreateTime: now, CreatedBy: r.Actor, Site: r.Site}
	var v violations
	v.check("ban.site", checkScope(r.Site))
	field := "ban." + r.Kind.String()
	switch r.Kind {
	case BanEmail:
		if p := checkEmail(b.Display, DefaultLimits().EmailMaxBytes); p != "" {
			v.check(field, p)
		}
		b.Value = EmailKey(b.Display)
	case BanIP:
		ip, err := netip.ParseAddr(b.Display)
		if err != nil || ip.Zone() != "" {
			v.check(field, "must be an IPv4 or IPv6 address")
		}
		b.Value = ip.Unmap().String()
	case BanCIDR:
		p, err := netip.ParsePrefix(b.Display)
		unmapped, ok := unmapPrefix(p)
		switch {
		case err != nil:
			v.check(field, "must be a range such as 203.0.113.0/24 or 2001:db8::/32")
		case !ok:
			v.check(field, "is an IPv4-mapped range wider than IPv4 itself: give the IPv4 range, such as 203.0.113.0/24")
		case (unmapped.Addr().Is4() && unmapped.Bits() < 8) || (unmapped.Addr().Is6() && unmapped.Bits() < 16):
			v.check(field, "is too wide: at least /8 for IPv4 and /16 for IPv6")
		}
		b.Value = unmapped.Masked().String()
	case BanName:
		if p := checkName(b.Display, DefaultLimits().NameMaxRunes); p != "" {
			v.check(field, p)
		}
		b.Value = textmatch.Normalize(b.Display, textmatch.Options{}).String()
	default:
		v.check("ban", "needs exactly one of email, ip, cidr or name")
	}
	if p := checkTime(r.ExpireTime); p != "" {
		v.check("ban.expire_time", p)
	} else if !r.ExpireTime.IsZero() && !r.ExpireTime.After(now) {
		v.check("ban.expire_time", "must be in the future")
	}
	v.check("ban.reason", checkText(r.Reason, MaxBanReasonRunes))
	switch {
	case r.HidePast < 0 || r.HidePast > MaxBanHidePast:
		v.check("hide_past", fmt.Sprintf("must be between 0 and %s (30 days)", MaxBanHidePast))
	case r.HidePast == 0 && r.HideAs != StatusUnspecified:
		v.check("hide_as", "needs hide_past: how far back to hide the reader's comments")
	}
	if r.HideAs == StatusUnspecified {
		r.HideAs = StatusPending
	}
	if r.HideAs != StatusPending && r.HideAs != StatusSpam {
		v.check("hide_as", "must be PENDING or SPAM")
	}
	if r.RequestID != "" {
		v.check("request_id", checkRequestID(r.RequestID))
		b.RequestID, b.RequestHash = r.RequestID, banRequestHash(r)
	}
	if len(v) > 0 {
		return BanResult{}, Invalid(v...)
	}
	detail := fmt.Sprintf("%s %s", b.Kind, b.Display)
	if b.Site != "" {
		detail += " on site " + b.Site
	}
	if r.HidePast == 0 {
		stored, err := s.store.CreateBan(ctx, b, s.audit(r.Actor, "ban.create", b.ID, r.Reason, detail, now))
		if err != nil {
			return BanResult{}, fmt.Errorf("create ban: %w", err)
		}
		if stored.ID != b.ID {
			return replayBan(stored, b, nil)
		}
		s.rules.changed(ctx)
		return BanResult{Ban: b}, nil
	}

	rules := s.rules.snapshot()
	// A site's ban matches names as that site's submissions are keyed.
	ids, err := s.bannedComments(ctx, rules.forSite(b.Site).rules, b, now.Add(-r.HidePast), now)
	if err != nil {
		return BanResult{}, err
	}
	sw := s.banSweep(rules.policy.Webhooks, b, r.Actor, "ban.hide", banEvent[r.HideAs], now)
	sw.IDs, sw.To = ids, r.HideAs
	sw.Audit = func(moved, _ int) AuditEvent {
		return s.audit(r.Actor, "ban.create", b.ID, r.Reason,
			fmt.Sprintf("%s; hid %d published comments of the past %s as %s", detail, moved, r.HidePast, r.HideAs), now)
	}
	stored, moved, err := s.store.CreateBanSweep(ctx, b, sw)
	if err != nil {
		return BanResult{}, fmt.Errorf("create ban: %w", err)
	}
	if stored.ID != b.ID {
		return replayBan(stored, b, moved)
	}
	s.rules.changed(ctx)
	if len(moved) > 0 && sw.Outbox != nil {
		s.webhooks.wake()
	}
	return BanResult{Ban: b, Moved: moved}, nil
}

// replayBan answers a retry of the request that stored prev with prev and
// the comments it hid (as they now are), after checking that the retry,
// b, asks for the same ban; a request id reused for another ban is
// refused, as SubmitComment refuses one reused for another comment.
func replayBan(prev, b Ban, hidden []Comment) (BanResult, error) {
	if subtle.ConstantTimeCompare([]byte(prev.RequestHash), []byte(b.RequestHash)) != 1 {
		return BanResult{}, Invalid(FieldViolation{
			Field:       "request_id",
			Description: "was already used for a different ban; use a new request_id for each ban",
		})
	}
	return BanResult{Ban: prev, Moved: hidden}, nil
}

// banRequestHash fingerprints everything a ban request asks for, so that
// a request id reused for another ban can be told from a retry.
func banRequestHash(r BanRequest) string {
	h := sha256.New()
	for _, f := range [...]string{
		r.Actor, r.Kind.String(), strings.TrimSpace(r.Target), r.ExpireTime.UTC().Format(time.RFC3339Nano),
		r.Reason, r.Site, r.HidePast.String(), r.HideAs.String(),
	} {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(f)))])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// banEvent is the webhook event of a comment a ban moves to each status.
var banEvent = map[Status]string{StatusPending: EventHeld, StatusSpam: EventSpam, StatusPublished: EventApproved}

// banSweep is the part of a ban's sweep common to hiding and restoring.
func (s *Service) banSweep(hooks []Webhook, b Ban, actor, action, event string, now time.Time) BanSweep {
	note := "ban " + b.ID
	sw := BanSweep{
		Time: now, Actor: actor, Note: note,
		CommentAudit: func(c Comment) AuditEvent { return s.audit(actor, action, c.ID, note, "", now) },
	}
	if len(hooks) > 0 {
		sw.Outbox = func(c Comment) []OutboxMessage { return s.outboxFor(hooks, event, c, actor, now) }
	}
	return sw
}

// bannedComments returns the ids of the comments published in [since,
// now] that b matches as it would match their submissions. It reads the
// window's published comments of every site (of b's site alone for a
// site's ban), a page at a time, and refuses a ban that matches more than
// MaxBanHide.
func (s *Service) bannedComments(ctx context.Context, rs *ruleSet, b Ban, since, now time.Time) ([]string, error) {
	idx := newBanIndex([]Ban{b}, rs.opts)
	const pageSize = 500
	var (
		ids   []string
		after *Cursor
	)
	for {
		page, err := s.store.ListComments(ctx, Filter{Statuses: []Status{StatusPublished}, Site: b.Site, Since: since, After: after, Limit: pageSize})
		if err != nil {
			return nil, fmt.Errorf("create ban: read the comments to hide: %w", err)
		}
		for _, c := range page {
			if c.CreateTime.After(now) {
				return ids, nil
			}
			var nameKey string
			if c.Author.Name != "" {
				nameKey = textmatch.Normalize(c.Author.Name, rs.opts).String()
			}
			if len(idx.match(Submission{Author: c.Author, Client: c.Client}, nameKey, now)) == 0 {
				continue
			}
			if len(ids) == MaxBanHide {
				return nil, Errorf(CodeFailedPrecondition,
					"the ban matches more than %d published comments in the look-back; give a shorter hide_past, and nothing was banned or hidden", MaxBanHide)
			}
			ids = append(ids, c.ID)
		}
		if len(page) < pageSize {
			return ids, nil
		}
		last := page[len(page)-1]
		after = &Cursor{Time: last.CreateTime, ID: last.ID}
	}
}

// DeleteBan lifts a ban. With restore it also puts back, in the same
// transaction, the comments the ban hid that are still as it left them
// (comment.approved each: a moderator's action published them again); a
// comment someone has moved or confirmed since stays as decided. Without
// it the hidden comments stay where they are, as any moderator action
// leaves them.
func (s *Service) DeleteBan(ctx context.Context, actor, id string, restore bool) (BanResult, error) {
	if p := ValidateID(id); p != "" {
		return BanResult{}, Invalid(FieldViolation{Field: "id", Description: p})
	}
	now := s.clock()
	var (
		res BanResult
		err error
	)
	if restore {
		sw := s.banSweep(s.rules.snapshot().policy.Webhooks, Ban{ID: id}, actor, "ban.restore", EventApproved, now)
		var kept int
		sw.Audit = func(moved, k int) AuditEvent {
			kept = k
			return s.audit(actor, "ban.delete", id, "", fmt.Sprintf("restored %d hidden comments; kept %d as decided since", moved, k), now)
		}
		res.Ban, res.Moved, err = s.store.DeleteBanSweep(ctx, id, sw)
		res.Kept = kept
	} else {
		res.Ban, err = s.store.DeleteBan(ctx, id, s.audit(actor, "ban.delete", id, "", "", now))
	}
	if errors.Is(err, ErrNotFound) {
		return BanResult{}, NotFound("ban", id)
	}
	if err != nil {
		return BanResult{}, fmt.Errorf("delete ban: %w", err)
	}
	s.rules.changed(ctx)
	if len(res.Moved) > 0 {
		s.webhooks.wake()
	}
	return res, nil
}

// ListBans lists the bans in force, newest first: every site's, or with
// site those in force on it (the global ones and its own).
func (s *Service) ListBans(ctx context.Context, page Page, site string) ([]Ban, *Cursor, error) {
	limit, problem := page.limit()
	var v violations
	v.check("page_size", problem)
	v.check("site", checkScope(site))
	if len(v) > 0 {
		return nil, nil, Invalid(v...)
	}
	bans, err := s.store.ListBans(ctx, s.clock(), page.After, limit+1, site)
	if err != nil {
		return nil, nil, fmt.Errorf("list bans: %w", err)
	}
	bans, next := paginate(bans, limit, func(b Ban) Cursor { return Cursor{Time: b.CreateTime, ID: b.ID} })
	return bans, next, nil
}
