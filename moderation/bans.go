package moderation

import (
	"context"
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
}

// MaxBanReasonRunes bounds a ban's reason.
const MaxBanReasonRunes = 500

// CreateBan validates and stores a ban; every replica applies it within
// seconds.
func (s *Service) CreateBan(ctx context.Context, r BanRequest) (Ban, error) {
	now := s.clock()
	b := Ban{ID: s.newID(), Kind: r.Kind, Display: strings.TrimSpace(r.Target), ExpireTime: r.ExpireTime.UTC(),
		Reason: r.Reason, CreateTime: now, CreatedBy: r.Actor}
	var v violations
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
	if len(v) > 0 {
		return Ban{}, Invalid(v...)
	}
	detail := fmt.Sprintf("%s %s", b.Kind, b.Display)
	if err := s.store.CreateBan(ctx, b, s.audit(r.Actor, "ban.create", b.ID, r.Reason, detail, now)); err != nil {
		return Ban{}, fmt.Errorf("create ban: %w", err)
	}
	s.rules.changed(ctx)
	return b, nil
}

// DeleteBan lifts a ban.
func (s *Service) DeleteBan(ctx context.Context, actor, id string) error {
	if p := ValidateID(id); p != "" {
		return Invalid(FieldViolation{Field: "id", Description: p})
	}
	now := s.clock()
	_, err := s.store.DeleteBan(ctx, id, s.audit(actor, "ban.delete", id, "", "", now))
	if errors.Is(err, ErrNotFound) {
		return NotFound("ban", id)
	}
	if err != nil {
		return fmt.Errorf("delete ban: %w", err)
	}
	s.rules.changed(ctx)
	return nil
}

// ListBans lists the bans in force, newest first.
func (s *Service) ListBans(ctx context.Context, page Page) ([]Ban, *Cursor, error) {
	limit, problem := page.limit()
	if problem != "" {
		return nil, nil, Invalid(FieldViolation{Field: "page_size", Description: problem})
	}
	bans, err := s.store.ListBans(ctx, s.clock(), page.After, limit+1)
	if err != nil {
		return nil, nil, fmt.Errorf("list bans: %w", err)
	}
	bans, next := paginate(bans, limit, func(b Ban) Cursor { return Cursor{Time: b.CreateTime, ID: b.ID} })
	return bans, next, nil
}
