package main

import (
	"strings"
	"testing"

	"github.com/commentd/commentd/client/commentdtest"
)

// TestSiteScopedWordsAndBans scopes a BLOCK term and a ban to the site
// news through commentctl against commentd on both stores: check with
// news's key files the text and the author as spam and says the term is
// news's; with shop's key neither applies; the listings show whose each
// term and ban is.
func TestSiteScopedWordsAndBans(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			srv := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, DB: st.db(t), Policy: holdAll,
				Env: []string{moderators, sites + ",shop:site-key-shop"}})
			check := func(key, email, text string) string {
				t.Helper()
				r := ctl(t, srv.Addr, "", "check", "--site-key", key, "--article", "a", "--name", "Reader", "--email", email, text)
				r.wantCode(t, 0, "check with "+key)
				return r.stdout
			}

			r := ctl(t, srv.Addr, "", "words", "add", "block", "--site", "news", "golden ticket", "jackpot")
			r.wantCode(t, 0, "words add --site")
			if r.stdout != "added 2, already there 0: BLOCK of site news now has 2 (was 0)\n" {
				t.Errorf("words add --site printed %q", r.stdout)
			}
			ctl(t, srv.Addr, "", "words", "add", "hold", "jackpot").wantCode(t, 0, "words add")
			// Adding a term again, or removing one not there, is said.
			r = ctl(t, srv.Addr, "", "words", "add", "block", "--site", "news", "jackpot", "golden ticket", "free bet")
			if r.stdout != "added 1, already there 2: BLOCK of site news now has 3 (was 2)\n  already there: jackpot, golden ticket\n" {
				t.Errorf("words add of listed terms printed %q", r.stdout)
			}
			r = ctl(t, srv.Addr, "", "words", "rm", "block", "--site", "news", "free bet", "satta")
			if r.stdout != "removed 1, not there 1: BLOCK of site news now has 2 (was 3)\n  not there: satta\n" {
				t.Errorf("words rm of an unlisted term printed %q", r.stdout)
			}
			r = ctl(t, srv.Addr, "", "words", "list")
			r.wantCode(t, 0, "words list")
			if got, want := lines(r.stdout), []string{
				"LIST   SITE  TERM",
				"HOLD   *     jackpot",
				"BLOCK  news  golden ticket",
				"BLOCK  news  jackpot",
			}; strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("words list:\n%s\nwant\n%s", r.stdout, strings.Join(want, "\n"))
			}
			r = ctl(t, srv.Addr, "", "words", "list", "block", "--site", "shop", "-o", "ids")
			if r.stdout != "" {
				t.Errorf("words list block --site shop = %q, want nothing: news's terms are not shop's", r.stdout)
			}

			out := check(siteKey, "reader@example.com", "a golden ticket for you")
			if !strings.HasPrefix(out, "decision  SPAM") || !strings.Contains(out, `BLOCK term "golden ticket" (word list of site news)`) ||
				!strings.Contains(out, "policy    site news (its own word lists or bans; no overrides)\n") {
				t.Errorf("check on news:\n%s", out)
			}
			if out := check("site-key-shop", "reader@example.com", "a golden ticket for you"); strings.HasPrefix(out, "decision  SPAM") ||
				!strings.Contains(out, "policy    global\n") {
				t.Errorf("check on shop:\n%s", out)
			}

			r = ctl(t, srv.Addr, "", "ban", "add", "--email", "troll@example.com", "--site", "news", "--reason", "abuse")
			r.wantCode(t, 0, "ban add --site")
			if !strings.HasPrefix(r.stdout, "banned email troll@example.com on site news for ever (ban ") {
				t.Errorf("ban add --site printed %q", r.stdout)
			}
			ctl(t, srv.Addr, "", "ban", "add", "--ip", "192.0.2.9").wantCode(t, 0, "ban add")
			r = ctl(t, srv.Addr, "", "ban", "list")
			got := lines(r.stdout)
			if len(got) != 3 || strings.Fields(got[0])[3] != "SITE" || strings.Join(strings.Fields(got[1])[2:4], " ") != "192.0.2.9 *" ||
				strings.Join(strings.Fields(got[2])[2:4], " ") != "troll@example.com news" {
				t.Errorf("ban list:\n%s", r.stdout)
			}
			if r = ctl(t, srv.Addr, "", "ban", "list", "--site", "shop", "-o", "ids"); len(lines(r.stdout)) != 1 {
				t.Errorf("ban list --site shop = %q, want the global ban alone", r.stdout)
			}
			if out := check(siteKey, "troll@example.com", "hello"); !strings.HasPrefix(out, "decision  SPAM") || !strings.Contains(out, "ban: the comment matches a moderator's ban") {
				t.Errorf("check of the banned author on news:\n%s", out)
			}
			if out := check("site-key-shop", "troll@example.com", "hello"); strings.HasPrefix(out, "decision  SPAM") {
				t.Errorf("check of news's banned author on shop:\n%s", out)
			}

			r = ctl(t, srv.Addr, "", "words", "rm", "block", "--site", "news", "jackpot")
			if r.stdout != "removed 1, not there 0: BLOCK of site news now has 1 (was 2)\n" {
				t.Errorf("words rm --site printed %q", r.stdout)
			}
			r = ctl(t, srv.Addr, "", "audit", "-o", "json")
			for _, want := range []string{"site news; added: golden ticket, jackpot", "site news; added: free bet; already there: jackpot, golden ticket",
				"site news; removed: free bet; not there: satta", "site news; removed: jackpot", "email troll@example.com on site news"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("audit lacks %q:\n%s", want, r.stdout)
				}
			}
			r = ctl(t, srv.Addr, "", "words", "add", "block", "--site", "bad\x7fsite", "x")
			if r.code != 1 || !strings.Contains(r.stderr, "INVALID_ARGUMENT") || !strings.Contains(r.stderr, "site: must not contain control characters") {
				t.Errorf("words add with a bad site: %d %q", r.code, r.stderr)
			}
		})
	}
}
