package moderation

import (
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits bound the fields of a submission. Lengths of human text are in
// runes (Unicode code points), so Devanagari is not penalised for taking
// three bytes a letter; lengths of machine text are in bytes.
type Limits struct {
	NameMaxRunes      int `yaml:"name_max_runes"`
	BodyMaxRunes      int `yaml:"body_max_runes"`
	EmailMaxBytes     int `yaml:"email_max_bytes"`
	URLMaxBytes       int `yaml:"url_max_bytes"`
	ArticleIDMaxBytes int `yaml:"article_id_max_bytes"`
	UserAgentMaxBytes int `yaml:"user_agent_max_bytes"`
	ReferrerMaxBytes  int `yaml:"referrer_max_bytes"`
}

// DefaultLimits: a name of up to 64 characters, a body of up to 5,000, an
// email of up to 254 bytes (RFC 5321's path limit), URLs and referrers of
// up to 2 KiB.
func DefaultLimits() Limits {
	return Limits{
		NameMaxRunes:      64,
		BodyMaxRunes:      5000,
		EmailMaxBytes:     254,
		URLMaxBytes:       2048,
		ArticleIDMaxBytes: 256,
		UserAgentMaxBytes: 512,
		ReferrerMaxBytes:  2048,
	}
}

// Fixed limits that are part of the API rather than policy.
const (
	maxIDBytes        = 64
	maxRequestIDBytes = 128
	maxHoneypotBytes  = 1024
)

// Submission is a reader's comment as a site backend submits it.
type Submission struct {
	Site         string
	ArticleID    string
	ParentID     string
	Author       Author
	Body         string
	Client       Client
	RequestID    string
	ValidateOnly bool
	// Honeypot is the hidden form field's value; readers leave it empty.
	Honeypot string
	// FormDuration is how long the form was open, when FormTimed: the
	// site measured it. Zero is a measurement (an instant bot), not "absent".
	FormDuration time.Duration
	FormTimed    bool
}

// normalized returns s as it is validated and stored: the name without
// the white space around it, which the checks ignore and no page should
// show. The body is stored byte for byte as the reader wrote it.
func (s Submission) normalized() Submission {
	s.Author.Name = strings.TrimSpace(s.Author.Name)
	return s
}

// Validate checks every field of s against l and returns one violation per
// bad field, all of them at once. It never looks at the store.
func (l Limits) Validate(s Submission) []FieldViolation {
	s = s.normalized()
	var v violations
	v.check("article_id", checkArticleID(s.ArticleID, l.ArticleIDMaxBytes))
	if s.ParentID != "" {
		v.check("parent_id", checkID(s.ParentID))
	}
	v.check("author.name", checkName(s.Author.Name, l.NameMaxRunes))
	v.check("author.email", checkEmail(s.Author.Email, l.EmailMaxBytes))
	if s.Author.UserID != "" {
		v.check("author.user_id", checkRequestID(s.Author.UserID))
	}
	if s.Author.URL != "" {
		v.check("author.url", checkURL(s.Author.URL, l.URLMaxBytes))
	}
	v.check("body", checkBody(s.Body, l.BodyMaxRunes))
	if s.Client.IP != "" {
		v.check("client.ip", checkIP(s.Client.IP))
	}
	v.check("client.user_agent", checkLine(s.Client.UserAgent, l.UserAgentMaxBytes))
	v.check("client.referrer", checkLine(s.Client.Referrer, l.ReferrerMaxBytes))
	if s.RequestID != "" {
		v.check("request_id", checkRequestID(s.RequestID))
	}
	switch {
	case len(s.Honeypot) > maxHoneypotBytes:
		v.check("honeypot", fmt.Sprintf("must be at most %d bytes", maxHoneypotBytes))
	case !utf8.ValidString(s.Honeypot):
		v.check("honeypot", "is not valid UTF-8")
	}
	if s.FormDuration < 0 {
		v.check("form_duration", "must not be negative")
	}
	return v
}

type violations []FieldViolation

func (v *violations) check(field, problem string) {
	if problem != "" {
		*v = append(*v, FieldViolation{Field: field, Description: problem})
	}
}

// ValidateArticleID checks an article id as used in reads.
func ValidateArticleID(id string) string {
	return checkArticleID(id, DefaultLimits().ArticleIDMaxBytes)
}

// ValidateID checks a comment or ban id's form.
func ValidateID(id string) string {
	if id == "" {
		return "is required"
	}
	return checkID(id)
}

func checkArticleID(s string, max int) string {
	switch {
	case s == "":
		return "is required"
	case len(s) > max:
		return fmt.Sprintf("must be at most %d bytes, got %d", max, len(s))
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return "must be printable text without control characters"
	}
	return ""
}

func checkID(s string) string {
	if len(s) > maxIDBytes {
		return fmt.Sprintf("must be at most %d bytes", maxIDBytes)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return "is not a comment id"
		}
	}
	return ""
}

func checkName(s string, max int) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return "is required"
	}
	if n := utf8.RuneCountInString(t); n > max {
		return fmt.Sprintf("must be at most %d characters, got %d", max, n)
	}
	if p := forbiddenInIdentity(t); p != "" {
		return p
	}
	// A letter that shows: the Hangul fillers are letters that render as
	// nothing, so a name of them is an empty name.
	if strings.IndexFunc(t, func(r rune) bool { return unicode.IsLetter(r) && visible(r) }) < 0 {
		return "must contain at least one visible letter"
	}
	return ""
}

func checkEmail(s string, max int) string {
	switch {
	case s == "":
		return "is required"
	case len(s) > max:
		return fmt.Sprintf("must be at most %d bytes, got %d", max, len(s))
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	}
	if p := forbiddenInIdentity(s); p != "" {
		return p
	}
	// net/mail accepts display names, comments and angle brackets; an
	// email field must hold exactly one bare addr-spec. A quoted local
	// part ("john doe"@example.com) is one: net/mail unquotes it in
	// Address and quotes it again in String.
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || (a.Address != s && a.String() != "<"+s+">") {
		return "must be one email address such as name@example.com"
	}
	at := strings.LastIndexByte(s, '@')
	if domain := s[at+1:]; !strings.Contains(strings.Trim(domain, "."), ".") {
		return "must have a domain such as example.com after the @"
	}
	return ""
}

func checkURL(s string, max int) string {
	switch {
	case len(s) > max:
		return fmt.Sprintf("must be at most %d bytes, got %d", max, len(s))
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "must not contain spaces or control characters"
	case strings.IndexFunc(s, isBidiControl) >= 0:
		return "must not contain bidirectional control characters"
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an http or https URL such as https://example.com/"
	}
	return ""
}

func checkBody(s string, max int) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain NUL characters"
	case !hasVisible(s):
		return "is required (and must show some text, not only white space, marks or invisible characters)"
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("must be at most %d characters, got %d", max, n)
	}
	return ""
}

func isBidiControl(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }

func checkIP(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return "must be an IPv4 or IPv6 address without a port"
	}
	return ""
}

// checkLine checks a header-like optional value.
func checkLine(s string, max int) string {
	switch {
	case len(s) > max:
		return fmt.Sprintf("must be at most %d bytes, got %d", max, len(s))
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not contain control characters"
	case strings.IndexFunc(s, isBidiControl) >= 0:
		return "must not contain bidirectional control characters"
	}
	return ""
}

func checkRequestID(s string) string {
	if len(s) > maxRequestIDBytes {
		return fmt.Sprintf("must be at most %d bytes", maxRequestIDBytes)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return "must be printable ASCII without spaces, such as a UUID"
		}
	}
	return ""
}

// forbiddenInIdentity rejects characters that let a name or an email pose
// as something else: controls, line breaks and bidi controls. Other format
// characters are refused too, except ZWJ and ZWNJ, which Indic scripts need.
func forbiddenInIdentity(s string) string {
	for _, r := range s {
		switch {
		case r == '\u200C' || r == '\u200D':
			continue
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return "must not contain control characters or line breaks"
		case unicode.Is(unicode.Bidi_Control, r):
			return "must not contain bidirectional control characters"
		case unicode.Is(unicode.Cf, r):
			return "must not contain invisible formatting characters"
		}
	}
	return ""
}

// EmailKey is the form of an email address used to compare, filter and
// ban: trimmed and lower-cased. The stored address stays as submitted.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// mailboxKey is the inbox an address delivers to, as far as commentd can
// tell: its EmailKey without a "+tag" on the local part (user+x@ and user@
// reach one inbox at nearly every provider), and for Gmail without dots.
// Rate limits and bans use it, so that minting addresses escapes neither.
func mailboxKey(email string) string {
	k := EmailKey(email)
	at := strings.LastIndexByte(k, '@')
	if at <= 0 {
		return k
	}
	local, domain := k[:at], k[at+1:]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if domain == "gmail.com" || domain == "googlemail.com" {
		local, domain = strings.ReplaceAll(local, ".", ""), "gmail.com"
	}
	return local + "@" + domain
}
