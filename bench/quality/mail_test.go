package main

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/commentd/commentd/moderation"
)

func TestParseLetter(t *testing.T) {
	for _, tc := range []struct {
		name, raw                     string
		wantName, wantEmail, wantBody string
	}{{
		name: "plain text after an mbox From line",
		raw: "From jane@example.com  Thu Aug 22 13:17:22 2002\nFrom: \"Jane Doe\" <jane@example.com>\nSubject: hi\n" +
			"Received: from a\n\tby b\n\nHello there,\n\nsee you.   \n\n\n\n-- \nJane\n",
		wantName: "Jane Doe", wantEmail: "jane@example.com",
		wantBody: "Hello there,\n\nsee you.\n\n--\nJane",
	}, {
		name: "quoted-printable HTML: text with each link's address, no script or style",
		raw: "From: win@prize.example\nContent-Type: text/html; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: quoted-printable\n\n" +
			"<html><head><title>x</title><style>p{color:red}</style></head><body><p>You w=\non &amp; caf=E9!</p><script>alert(1)</script>" +
			"<a href=3D\"http://prize.example/claim\">Claim now</a><br>Bye</body></html>\n",
		wantName: "", wantEmail: "win@prize.example",
		wantBody: "You won & café!\nClaim now (http://prize.example/claim)\nBye",
	}, {
		name:     "base64 Latin-1 text and an encoded-word name",
		raw:      "From: =?iso-8859-1?q?Ren=E9_Roy?= <rene@example.fr>\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\nQ2Fm6SBjcuhtZQ==\n",
		wantName: "René Roy", wantEmail: "rene@example.fr",
		wantBody: "Café crème",
	}, {
		name: "multipart/alternative: the text/plain part",
		raw: "From: Bob <bob@example.org>\nContent-Type: multipart/alternative; boundary=\"XX\"\n\npreamble\n--XX\nContent-Type: text/html\n\n<p>the HTML</p>\n" +
			"--XX\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: quoted-printable\n\nthe pl=\nain text\n--XX--\n",
		wantName: "Bob", wantEmail: "bob@example.org",
		wantBody: "the plain text",
	}, {
		name: "multipart/mixed: HTML inside a nested alternative, the attachment left out",
		raw: "From: Ann <ann@example.net>\nContent-Type: multipart/mixed; boundary=out\n\n--out\nContent-Type: multipart/alternative; boundary=in\n\n" +
			"--in\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\nPGI+Qm9sZDwvYj4gb2ZmZXI=\n--in--\n" +
			"--out\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\nnot the letter\n--out--\n",
		wantName: "Ann", wantEmail: "ann@example.net",
		wantBody: "Bold offer",
	}, {
		name:     "8-bit text that names no charset is Windows-1252",
		raw:      "From: x@example.com\n\nna\xefve \x93quotes\x94\n",
		wantName: "", wantEmail: "x@example.com",
		wantBody: "naïve “quotes”",
	}, {
		name:     "a From with no address, and a body without a blank line",
		raw:      "From: bob at example (Bob)\nSubject: s\nthis line is no header\nand more\n",
		wantName: "bob at example (Bob)", wantEmail: "",
		wantBody: "this line is no header\nand more",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			l := parseLetter([]byte(tc.raw))
			if l.name != tc.wantName || l.email != tc.wantEmail || l.body != tc.wantBody {
				t.Errorf("parseLetter = name %q, email %q, body %q\nwant name %q, email %q, body %q",
					l.name, l.email, l.body, tc.wantName, tc.wantEmail, tc.wantBody)
			}
		})
	}
}

// toComment's requests pass commentd's own checks whatever the message
// holds, and say who sent them in a way that stays the same per sender.
func TestToComment(t *testing.T) {
	long := strings.Repeat("ab\u00e9 ", 2000) // 8,000 characters
	for _, tc := range []struct {
		name, raw          string
		wantName, wantMail string
		wantRunes          int // of the body; 0: no check
	}{
		{"a display name", "From: Jane Doe <jane@example.com>\n\nhello\n", "Jane Doe", "jane@example.com", 5},
		{"no display name: the address' local part", "From: jane@example.com\n\nhello\n", "jane", "jane@example.com", 0},
		{"a name with no letter: the local part", "From: \"12345\" <sales7@example.com>\n\nhello\n", "sales7", "sales7@example.com", 0},
		{"a name that is too long is cut to 64", "From: \"" + strings.Repeat("n", 100) + "\" <a@example.com>\n\nhello\n", strings.Repeat("n", 64), "a@example.com", 0},
		{"no address: one made up per message", "From: nobody\n\nhello\n", "nobody", "sender-", 0},
		{"an address without a domain: one made up", "From: Joe <joe@localhost>\n\nhello\n", "Joe", "sender-", 0},
		{"a long body is cut to 5,000 characters", "From: a@example.com\n\n" + long + "\n", "a", "a@example.com", 4999},
		{"a body that is all image: the subject", "From: a@example.com\nSubject: Look\nContent-Type: text/html\n\n<img src=x>\n", "a", "a@example.com", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := toComment(rawMessage{group: "spam-1", id: "00007", spam: true, text: []byte(tc.raw)})
			if !ok {
				t.Fatal("skipped")
			}
			r := s.req
			if r.GetAuthor().GetName() != tc.wantName || !strings.HasPrefix(r.GetAuthor().GetEmail(), tc.wantMail) {
				t.Errorf("author %q <%s>, want %q <%s…>", r.GetAuthor().GetName(), r.GetAuthor().GetEmail(), tc.wantName, tc.wantMail)
			}
			if n := utf8.RuneCountInString(r.GetBody()); tc.wantRunes != 0 && n != tc.wantRunes {
				t.Errorf("body has %d characters, want %d", n, tc.wantRunes)
			}
			sub := moderation.Submission{ArticleID: r.GetArticleId(), Author: moderation.Author{Name: r.GetAuthor().GetName(), Email: r.GetAuthor().GetEmail()},
				Body: r.GetBody(), Client: moderation.Client{IP: r.GetClient().GetIp()}, RequestID: r.GetRequestId()}
			if v := moderation.DefaultLimits().Validate(sub); len(v) > 0 {
				t.Errorf("commentd would refuse %+v: %v", sub, v)
			}
			if r.GetRequestId() != "quality-spam-1-00007" {
				t.Errorf("request id %q", r.GetRequestId())
			}
		})
	}
	if _, ok := toComment(rawMessage{group: "spam-1", id: "00008", text: []byte("From: a@example.com\nContent-Type: text/html\n\n<img src=x>\n")}); ok {
		t.Error("a message with no text and no subject became a comment")
	}
	if a, b, c := senderIP("Jane@example.com"), senderIP("jane@example.com"), senderIP("joe@example.com"); a != b || a == c {
		t.Errorf("sender IPs %s, %s, %s: want one per sender, whatever its case", a, b, c)
	}
}

func TestSplit(t *testing.T) {
	var samples []sample
	for i := range 30 {
		samples = append(samples, sample{key: fmt.Sprint("spam-1/", i), spam: i < 10})
	}
	keys := func(ss []sample) string {
		var k []string
		for _, s := range ss {
			k = append(k, s.key)
		}
		return strings.Join(k, ",")
	}
	count := func(ss []sample) (spam, ham int) {
		for _, s := range ss {
			if s.spam {
				spam++
			} else {
				ham++
			}
		}
		return
	}
	train, unseen := split(slicesClone(samples), 5, 7)
	if s, h := count(train); s != 5 || h != 5 {
		t.Errorf("training share: %d spam, %d ham; want 5 and 5", s, h)
	}
	if s, h := count(unseen); s != 5 || h != 15 {
		t.Errorf("unseen share: %d spam, %d ham; want 5 and 15", s, h)
	}
	train2, unseen2 := split(slicesClone(samples), 5, 7)
	if keys(train) != keys(train2) || keys(unseen) != keys(unseen2) {
		t.Error("the same seed split differently")
	}
	if train3, _ := split(slicesClone(samples), 5, 8); keys(train3) == keys(train) {
		t.Error("another seed split the same way")
	}
	seen := map[string]bool{}
	for _, s := range append(train, unseen...) {
		if seen[s.key] {
			t.Errorf("%s is in both shares", s.key)
		}
		seen[s.key] = true
	}
	// Asking for more than there is keeps a fifth of each class unseen.
	train, unseen = split(slicesClone(samples), 400, 7)
	if s, h := count(train); s != 8 || h != 16 {
		t.Errorf("training share of -train 400: %d spam, %d ham; want 8 and 16", s, h)
	}
	if len(unseen) != 6 {
		t.Errorf("unseen share of -train 400: %d, want 6", len(unseen))
	}
}

func slicesClone(s []sample) []sample { return append([]sample(nil), s...) }
