package moderation

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commentd/commentd/moderation/textmatch"
)

// banIndex finds the bans that match a submission without a store trip.
type banIndex struct {
	exact map[BanKind]map[string]Ban // email, ip, name
	cidrs []Ban
	nets  []netip.Prefix
}

func newBanIndex(bans []Ban) banIndex {
	idx := banIndex{exact: map[BanKind]map[string]Ban{}}
	for _, b := range bans {
		if b.Kind == BanCIDR {
			if p, err := netip.ParsePrefix(b.Value); err == nil {
				idx.cidrs, idx.nets = append(idx.cidrs, b), append(idx.nets, p)
			}
			continue
		}
		if idx.exact[b.Kind] == nil {
			idx.exact[b.Kind] = map[string]Ban{}
		}
		idx.exact[b.Kind][b.Value] = b
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
	if b, ok := idx.exact[BanEmail][EmailKey(s.Author.Email)]; ok {
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
		if err != nil {
			v.check(field, "must be a range such as 203.0.113.0/24 or 2001:db8::/32")
		} else if bits := p.Bits(); (p.Addr().Is4() && bits < 8) || (p.Addr().Is6() && bits < 16) {
			v.check(field, "is too wide: at least /8 for IPv4 and /16 for IPv6")
		}
		b.Value = p.Masked().String()
	case BanName:
		if p := checkName(b.Display, DefaultLimits().NameMaxRunes); p != "" {
			v.check(field, p)
		}
		b.Value = textmatch.Normalize(b.Display, textmatch.Options{}).String()
	default:
		v.check("ban", "needs exactly one of email, ip, cidr or name")
	}
	if !r.ExpireTime.IsZero() && !r.ExpireTime.After(now) {
		v.check("ban.expire_time", "must be in the future")
	}
	if !utf8.ValidString(r.Reason) || utf8.RuneCountInString(r.Reason) > MaxBanReasonRunes {
		v.check("ban.reason", fmt.Sprintf("must be valid text of at most %d characters", MaxBanReasonRunes))
	}
	if len(v) > 0 {
		return Ban{}, Invalid(v...)
	}
	detail := fmt.Sprintf("%s %s", b.Kind, b.Display)
	if err := s.store.CreateBan(ctx, b, s.audit(r.Actor, "ban.create", b.ID, r.Reason, detail, now)); err != nil {
		return Ban{}, fmt.Errorf("create ban: %w", err)
	}
	s.rulesChanged(ctx)
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
	s.rulesChanged(ctx)
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
