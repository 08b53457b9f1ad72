// Package moderation holds commentd's domain: comments, their statuses, the
// submission pipeline and the moderators' actions. It knows nothing of gRPC
// or SQL; adapters implement the small interfaces declared here.
package moderation

import (
	"fmt"
	"time"
)

// Status is where a comment stands in moderation.
type Status int8

// The statuses. Their numeric values are stored; never renumber them.
const (
	StatusUnspecified Status = 0
	StatusPublished   Status = 1
	StatusPending     Status = 2
	StatusSpam        Status = 3
	StatusRejected    Status = 4
	StatusDeleted     Status = 5
)

var statusNames = [...]string{"UNSPECIFIED", "PUBLISHED", "PENDING", "SPAM", "REJECTED", "DELETED"}

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int8(s))
}

// Valid reports whether s is a real status (not UNSPECIFIED).
func (s Status) Valid() bool { return s >= StatusPublished && s <= StatusDeleted }

// ParseStatus parses a status name such as "pending" or "PUBLISHED".
func ParseStatus(name string) (Status, error) {
	for i, n := range statusNames[1:] {
		if equalFoldASCII(name, n) {
			return Status(i + 1), nil
		}
	}
	return StatusUnspecified, fmt.Errorf("unknown status %q (want published, pending, spam, rejected or deleted)", name)
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// RuleAction is what one rule asked for when it matched.
type RuleAction int8

// The rule actions. Their numeric values are stored; never renumber them.
const (
	RuleUnspecified RuleAction = 0
	RuleAllow       RuleAction = 1
	RuleHold        RuleAction = 2
	RuleSpam        RuleAction = 3
	RuleScore       RuleAction = 4
	// RuleShadow records that a rule on trial would have fired; decide
	// ignores it.
	RuleShadow RuleAction = 5
)

// Reason is one rule's contribution to a decision.
type Reason struct {
	Rule   string     `json:"rule"`
	Action RuleAction `json:"action"`
	Detail string     `json:"detail,omitempty"`
	Score  float64    `json:"score,omitempty"`
	Span   *Span      `json:"span,omitempty"`
}

// Span points at the text a rule matched in one field.
type Span struct {
	Field string `json:"field"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Author is who wrote a comment, as typed into the form.
type Author struct {
	Name  string
	Email string
	URL   string
	// UserID is the site's own id of a signed-in reader, when the site
	// vouches for it; empty for anonymous readers.
	UserID string
}

// Client describes the reader's browser as seen by the site backend.
type Client struct {
	IP        string
	UserAgent string
	Referrer  string
}

// Comment is a stored comment with everything commentd knows about it.
// Public views must be built field by field from the public fields only.
type Comment struct {
	ID        string
	Site      string
	ArticleID string
	ParentID  string
	Author    Author
	Body      string
	Client    Client

	Status  Status
	Reasons []Reason
	Score   float64

	// RequestID and RequestHash implement idempotent submission: a retry
	// with the same RequestID must carry the same RequestHash.
	RequestID   string
	RequestHash []byte
	// InitialStatus is the decision made at submission, returned again to a
	// retry even after a moderator has changed Status.
	InitialStatus Status

	// AuthorKey identifies the author for the first-time-commenter rule:
	// a hash of the email, the name's match key and the site's verified
	// user id, so that knowing an email alone does not pass as the author.
	AuthorKey string
	// BodyFingerprint is a hash of the body's match key, for duplicates.
	BodyFingerprint string
	// ImportKey is the id an imported comment had in its site's history
	// (ImportComments), unique per site; empty for a submitted comment.
	ImportKey string

	CreateTime     time.Time
	UpdateTime     time.Time
	ModeratedBy    string
	ModerationNote string

	// Reports are the comment's open reader reports and ReportWeight
	// their reporters' weights summed. Moderators' reads fill them; the
	// store keeps reports apart (Store.FileReport).
	Reports      []Report
	ReportWeight float64
}
