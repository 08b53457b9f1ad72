package moderation

import (
	"fmt"
	"strings"
	"time"
)

// WordList names one of the moderators' word lists.
type WordList int8

// The word lists. Their numeric values are stored; never renumber them.
const (
	ListUnspecified WordList = 0
	ListBlock       WordList = 1 // a listed term files the comment as spam
	ListHold        WordList = 2 // a listed term holds the comment
	ListAllow       WordList = 3 // a listed term is never a reason to hold or block
	ListShadow      WordList = 4 // a listed term only records that it would have fired
)

var wordListNames = [...]string{"UNSPECIFIED", "BLOCK", "HOLD", "ALLOW", "SHADOW"}

func (l WordList) String() string {
	if l >= 0 && int(l) < len(wordListNames) {
		return wordListNames[l]
	}
	return fmt.Sprintf("WordList(%d)", int8(l))
}

// Valid reports whether l is a real list.
func (l WordList) Valid() bool { return l >= ListBlock && l <= ListShadow }

// WordTerm is one entry of a word list, as a moderator entered it.
type WordTerm struct {
	List       WordList
	Term       string
	CreateTime time.Time
	CreatedBy  string
	// Site scopes the term to one site's submissions; "" is every site's.
	Site string
}

// WordListUpdate adds and removes terms of one list in one transaction.
type WordListUpdate struct {
	// Site is whose list changes: "" the one for every site.
	Site   string
	List   WordList
	Add    []string
	Remove []string
	Actor  string
	Time   time.Time
	// Audit is appended when anything changed, with Detail set to what
	// changed and what did not (WordListResult.Detail).
	Audit AuditEvent
}

// WordListResult is a word list after an update, and what the update did
// to it.
type WordListResult struct {
	// Terms is the list after the update.
	Terms []WordTerm
	// Added and Removed are the terms the update added and removed, in
	// the order given, each once.
	Added, Removed []string
	// Present are the terms to add that were on the list already, and
	// Absent the terms to remove that were not, in the order given.
	Present, Absent []string
}

// NewWordListResult is the result of update u that added and removed
// those terms and left the list as terms.
func NewWordListResult(u WordListUpdate, terms []WordTerm, added, removed []string) WordListResult {
	return WordListResult{Terms: terms, Added: added, Removed: removed,
		Present: unchanged(u.Add, added), Absent: unchanged(u.Remove, removed)}
}

// Detail is the audit detail of the update of site's list, naming the
// parts that are not empty: "site news; added: a, b; already there: c;
// removed: d; not there: e".
func (r WordListResult) Detail(site string) string {
	var parts []string
	if site != "" {
		parts = append(parts, "site "+site)
	}
	for _, p := range []struct {
		what  string
		terms []string
	}{{"added", r.Added}, {"already there", r.Present}, {"removed", r.Removed}, {"not there", r.Absent}} {
		if len(p.terms) > 0 {
			parts = append(parts, p.what+": "+strings.Join(p.terms, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// unchanged returns the distinct members of given that are not in
// changed, in the order given.
func unchanged(given, changed []string) []string {
	seen := make(map[string]bool, len(given))
	for _, t := range changed {
		seen[t] = true
	}
	var out []string
	for _, t := range given {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// BanKind is what a ban matches.
type BanKind int8

// The ban kinds. Their numeric values are stored; never renumber them.
const (
	BanUnspecified BanKind = 0
	BanEmail       BanKind = 1 // Value is an EmailKey
	BanIP          BanKind = 2 // Value is a canonical IP address
	BanCIDR        BanKind = 3 // Value is a masked prefix such as 203.0.113.0/24
	BanName        BanKind = 4 // Value is the name's match key
)

var banKindNames = [...]string{"unspecified", "email", "ip", "cidr", "name"}

func (k BanKind) String() string {
	if k >= 0 && int(k) < len(banKindNames) {
		return banKindNames[k]
	}
	return fmt.Sprintf("BanKind(%d)", int8(k))
}

// Ban keeps an author, an address or a range from being published.
type Ban struct {
	ID    string
	Kind  BanKind
	Value string
	// Display is the target as the moderator entered it, for listings.
	Display    string
	ExpireTime time.Time // zero: never
	Reason     string
	CreateTime time.Time
	CreatedBy  string
	// Site scopes the ban to one site's submissions; "" is every site's.
	Site string
	// RequestID is the CreateBan request id that made the ban, and
	// RequestHash (hex) what that request asked for; both "" without one.
	RequestID, RequestHash string
}

// Active reports whether the ban is in force at now.
func (b Ban) Active(now time.Time) bool { return b.ExpireTime.IsZero() || now.Before(b.ExpireTime) }

// AuthorHistory counts one author's comments by status.
type AuthorHistory map[Status]int64
