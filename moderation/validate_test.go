package moderation

import (
	"net/mail"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func valid() Submission {
	return Submission{
		Site:      "default",
		ArticleID: "2026/11/budget-session",
		Author:    Author{Name: "प्रिया शर्मा", Email: "priya@example.in", URL: "https://priya.example.in/"},
		Body:      "बहुत अच्छा लेख! Very well written.",
		Client:    Client{IP: "2001:db8::1", UserAgent: "Mozilla/5.0", Referrer: "https://news.example/"},
		RequestID: "0b7e2c1a-7d3f-4c39-9d8e-1f2a3b4c5d6e",
	}
}

func fields(vs []FieldViolation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Field)
	}
	return out
}

func TestValidateAcceptsEveryScript(t *testing.T) {
	for _, name := range []string{"प्रिया शर्मा", "Rahul", "José Ñúñez", "O'Brien-Smith Jr.", "李小龙", "محمد", "क्‍ष", "R2 D2"} {
		s := valid()
		s.Author.Name = name
		if vs := DefaultLimits().Validate(s); len(vs) != 0 {
			t.Errorf("name %q rejected: %v", name, vs)
		}
	}
	for _, email := range []string{"priya@example.in", "p.sharma+news@mail.example.co.in", "प्रिया@उदाहरण.भारत", `"john doe"@example.com`} {
		s := valid()
		s.Author.Email = email
		if vs := DefaultLimits().Validate(s); len(vs) != 0 {
			t.Errorf("email %q rejected: %v", email, vs)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Submission)
		want []string
	}{
		{"64 Devanagari letters are fine, 65 are not", func(s *Submission) { s.Author.Name = strings.Repeat("क", 65) }, []string{"author.name"}},
		{"digits only", func(s *Submission) { s.Author.Name = "12345" }, []string{"author.name"}},
		{"newline in name", func(s *Submission) { s.Author.Name = "Priya\nAdmin" }, []string{"author.name"}},
		{"zero-width space in name", func(s *Submission) { s.Author.Name = "Pri\u200Bya" }, []string{"author.name"}},
		{"local-only email", func(s *Submission) { s.Author.Email = "root@localhost" }, []string{"author.email"}},
		{"email too long", func(s *Submission) { s.Author.Email = strings.Repeat("a", 250) + "@x.in" }, []string{"author.email"}},
		{"bidi in email", func(s *Submission) { s.Author.Email = "a\u202E@example.com" }, []string{"author.email"}},
		{"ftp url", func(s *Submission) { s.Author.URL = "ftp://example.com/" }, []string{"author.url"}},
		// Names and bodies that show nothing (issue 11, defect 9).
		{"name of a Hangul filler", func(s *Submission) { s.Author.Name = "\u3164" }, []string{"author.name"}},
		{"name of a Hangul choseong filler", func(s *Submission) { s.Author.Name = "\u115F\u115F" }, []string{"author.name"}},
		{"name of line breaks", func(s *Submission) { s.Author.Name = "\n\r\t\n\u0085" }, []string{"author.name"}},
		{"body of Hangul fillers", func(s *Submission) { s.Body = "\u3164\u3164\u3164" }, []string{"body"}},
		{"body of braille blanks", func(s *Submission) { s.Body = "\u2800 \u2800" }, []string{"body"}},
		{"body of lone combining marks", func(s *Submission) { s.Body = "\u0301\u0302\u093F" }, []string{"body"}},
		{"body of a Mongolian variation selector", func(s *Submission) { s.Body = "\u180B" }, []string{"body"}},
		{"body of DEL", func(s *Submission) { s.Body = "\x7F" }, []string{"body"}},
		{"body of ESC", func(s *Submission) { s.Body = "\x1b" }, []string{"body"}},
		// Bidi overrides anywhere a moderator reads machine text (defect 14).
		{"bidi override in url", func(s *Submission) { s.Author.URL = "https://example.com/\u202Egpj.exe" }, []string{"author.url"}},
		{"bidi override in user agent", func(s *Submission) { s.Client.UserAgent = "Mozilla/5.0 \u202E" }, []string{"client.user_agent"}},
		{"display name in email", func(s *Submission) { s.Author.Email = "Asha <asha@example.com>" }, []string{"author.email"}},
		{"angle brackets in email", func(s *Submission) { s.Author.Email = "<asha@example.com>" }, []string{"author.email"}},
		{"url without host", func(s *Submission) { s.Author.URL = "https:///path" }, []string{"author.url"}},
		{"NUL in body", func(s *Submission) { s.Body = "a\x00b" }, []string{"body"}},
		{"5001 runes", func(s *Submission) { s.Body = strings.Repeat("ह", 5001) }, []string{"body"}},
		{"ip zone", func(s *Submission) { s.Client.IP = "fe80::1%eth0" }, []string{"client.ip"}},
		{"control in user agent", func(s *Submission) { s.Client.UserAgent = "a\rb" }, []string{"client.user_agent"}},
		{"request id too long", func(s *Submission) { s.RequestID = strings.Repeat("r", 129) }, []string{"request_id"}},
		{"bad parent id", func(s *Submission) { s.ParentID = "../../etc" }, []string{"parent_id"}},
		{"article id with a tab", func(s *Submission) { s.ArticleID = "a\tb" }, []string{"article_id"}},
		{"invalid UTF-8 everywhere", func(s *Submission) {
			s.ArticleID, s.Author.Name, s.Author.Email, s.Body = "\xff", "\xff", "\xff@x.in", "\xff"
		}, []string{"article_id", "author.name", "author.email", "body"}},
	}
	for _, tc := range cases {
		s := valid()
		tc.edit(&s)
		if got := fields(DefaultLimits().Validate(s)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: violations %v, want %v", tc.name, got, tc.want)
		}
	}
	// Body limits count runes, not bytes: 5,000 Devanagari letters pass.
	s := valid()
	s.Body = strings.Repeat("ह", 5000)
	if vs := DefaultLimits().Validate(s); len(vs) != 0 {
		t.Errorf("5000 runes rejected: %v", vs)
	}
}

// The name is validated without the white space around it, and so it is
// stored: what was checked is what pages show.
func TestValidateChecksTheTrimmedName(t *testing.T) {
	s := valid()
	s.Author.Name = strings.Repeat("\n", 20000) + "Asha" + strings.Repeat(" ", 10000)
	if vs := DefaultLimits().Validate(s); len(vs) != 0 {
		t.Fatalf("padded name refused: %v", vs)
	}
	if got := s.normalized().Author.Name; got != "Asha" {
		t.Fatalf("normalized name %q, want %q", got, "Asha")
	}
}

func TestTransition(t *testing.T) {
	all := []Status{StatusPublished, StatusPending, StatusSpam, StatusRejected, StatusDeleted}
	for _, from := range all {
		for a, to := range map[Action]Status{ActionApprove: StatusPublished, ActionReject: StatusRejected, ActionMarkSpam: StatusSpam, ActionDelete: StatusDeleted} {
			got, err := Transition(from, a)
			switch {
			case from == StatusDeleted && a != ActionDelete:
				if ErrorCode(err) != CodeFailedPrecondition || got != StatusDeleted {
					t.Errorf("%s from %s = %s, %v; want FAILED_PRECONDITION", a, from, got, err)
				}
			case err != nil || got != to:
				t.Errorf("%s from %s = %s, %v; want %s", a, from, got, err, to)
			}
		}
	}
	if _, err := Transition(StatusPending, Action(9)); ErrorCode(err) != CodeInvalid {
		t.Errorf("unknown action: %v", err)
	}
}

// FuzzValidate feeds arbitrary fields to the validator. It must never
// panic, and whatever it accepts must really meet the rules.
func FuzzValidate(f *testing.F) {
	s := valid()
	f.Add(s.ArticleID, s.ParentID, s.Author.Name, s.Author.Email, s.Author.URL, s.Body, s.Client.IP, s.Client.UserAgent, s.RequestID)
	f.Add("", "", "", "", "", "", "", "", "")
	f.Add("a", "x", "\u202E", "a@b", "javascript:x", "\x00", "::1%1", "\r", " ")
	f.Fuzz(func(t *testing.T, article, parent, name, email, url, body, ip, ua, reqID string) {
		sub := Submission{
			ArticleID: article, ParentID: parent, Body: body, RequestID: reqID,
			Author: Author{Name: name, Email: email, URL: url},
			Client: Client{IP: ip, UserAgent: ua},
		}
		l := DefaultLimits()
		vs := l.Validate(sub)
		seen := map[string]bool{}
		for _, v := range vs {
			if seen[v.Field] || v.Description == "" {
				t.Fatalf("violation list %v repeats a field or lacks a description", vs)
			}
			seen[v.Field] = true
		}
		if len(vs) > 0 {
			return
		}
		for _, s := range []string{article, parent, name, email, url, body, ip, ua, reqID} {
			if !utf8.ValidString(s) {
				t.Fatalf("accepted invalid UTF-8 %q", s)
			}
		}
		tn := strings.TrimSpace(name)
		if tn == "" || utf8.RuneCountInString(tn) > l.NameMaxRunes || strings.ContainsAny(tn, "\u202E\n\x00\u3164") {
			t.Fatalf("accepted name %q", name)
		}
		if a, err := mail.ParseAddress(email); err != nil || a.Name != "" || len(email) > l.EmailMaxBytes || strings.ContainsAny(email, "<>") {
			t.Fatalf("accepted email %q", email)
		}
		if n := utf8.RuneCountInString(body); n == 0 || n > l.BodyMaxRunes || !hasVisible(body) || strings.Contains(body, "\x00") {
			t.Fatalf("accepted body %q", body)
		}
		if article == "" || len(article) > l.ArticleIDMaxBytes {
			t.Fatalf("accepted article id %q", article)
		}
	})
}

func TestMailboxKey(t *testing.T) {
	for in, want := range map[string]string{
		"Asha@Example.in":          "asha@example.in",
		"asha+news@example.in":     "asha@example.in",
		"asha+a+b@example.in":      "asha@example.in",
		"+tag@example.in":          "+tag@example.in", // no local part left to keep
		"A.Sha.R+x@GoogleMail.com": "ashar@gmail.com",
		"a.sha@example.in":         "a.sha@example.in", // dots matter elsewhere
	} {
		if got := mailboxKey(in); got != want {
			t.Errorf("mailboxKey(%q) = %q, want %q", in, got, want)
		}
	}
}
