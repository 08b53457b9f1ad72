package moderation

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The webhook events. A submission sends one of the first three, a
// moderator's action one of the next four (or comment.spam), an erasure
// comment.erased.
const (
	EventPublished = "comment.published"
	EventHeld      = "comment.held"
	EventSpam      = "comment.spam"
	EventApproved  = "comment.approved"
	EventRejected  = "comment.rejected"
	EventDeleted   = "comment.deleted"
	EventErased    = "comment.erased"
)

// EventTypes lists every event.
var EventTypes = []string{EventPublished, EventHeld, EventSpam, EventApproved, EventRejected, EventDeleted, EventErased}

// submittedEvent is the event of a submission decided with each status.
var submittedEvent = map[Status]string{StatusPublished: EventPublished, StatusPending: EventHeld, StatusSpam: EventSpam}

// actionEvent is the event of each moderator action that moves a comment.
var actionEvent = [...]string{ActionApprove: EventApproved, ActionReject: EventRejected, ActionMarkSpam: EventSpam, ActionDelete: EventDeleted}

// Webhook is one endpoint of the policy file's webhooks.
type Webhook struct {
	// Name keys the endpoint's deliveries in the store; keep it when the
	// URL changes, and the deliveries waiting go to the new URL.
	Name   string
	URL    string
	Secret []byte
	// Site, when set, makes this the site's own endpoint: it hears of
	// that site's comments only, and with the author's email. Otherwise
	// it hears of every site's, without.
	Site    string
	Events  []string
	Retry   WebhookRetry
	Timeout time.Duration
}

// WebhookRetry is how a failing delivery is retried: after First, then
// twice as long each time up to Max (each wait between half and all of
// it, at random), until the next attempt would come more than
// GiveUpAfter after the event (or its redelivery): then it is dead.
type WebhookRetry struct {
	First       time.Duration `yaml:"first"`
	Max         time.Duration `yaml:"max"`
	GiveUpAfter time.Duration `yaml:"give_up_after"`
}

// DefaultWebhookRetry retries after about 1 s, 2 s, 4 s … then every
// 2.5 to 5 minutes, and gives up a day after the event: a receiver down
// for an hour, or a night, gets everything when it is back.
func DefaultWebhookRetry() WebhookRetry {
	return WebhookRetry{First: time.Second, Max: 5 * time.Minute, GiveUpAfter: 24 * time.Hour}
}

// Bounds of the webhook settings.
const (
	DefaultWebhookTimeout = 10 * time.Second
	// MaxWebhookTimeout keeps an attempt well within the dispatcher's
	// lease.
	MaxWebhookTimeout     = 20 * time.Second
	MinWebhookSecretBytes = 16
	maxWebhookNameBytes   = 2048
)

// wants reports whether w hears of event about a comment of site.
func (w *Webhook) wants(event, site string) bool {
	return (w.Site == "" || w.Site == site) && slices.Contains(w.Events, event)
}

// CheckWebhooks reports the first problem with the endpoints, naming it.
func CheckWebhooks(ws []Webhook) error {
	names := make(map[string]bool, len(ws))
	for i, w := range ws {
		at := fmt.Sprintf("webhooks[%d]", i)
		if w.Name != "" {
			at += " (" + w.Name + ")"
		}
		if err := checkWebhook(w); err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		if names[w.Name] {
			return fmt.Errorf("%s: another endpoint has the name %q; give each its own name", at, w.Name)
		}
		names[w.Name] = true
	}
	return nil
}

func checkWebhook(w Webhook) error {
	switch {
	case w.Name == "":
		return errors.New("name is required")
	case len(w.Name) > maxWebhookNameBytes || !utf8.ValidString(w.Name) || strings.ContainsFunc(w.Name, isControl):
		return fmt.Errorf("name must be at most %d bytes of text without control characters", maxWebhookNameBytes)
	}
	u, err := url.Parse(w.URL)
	switch {
	case w.URL == "":
		return errors.New("url is required")
	case err != nil:
		return fmt.Errorf("url: %w", err)
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "", u.Opaque != "":
		return fmt.Errorf("url must be an http:// or https:// URL with a host, got %q", w.URL)
	case u.Fragment != "":
		return errors.New("url must not have a #fragment")
	case len(w.Secret) < MinWebhookSecretBytes:
		return fmt.Errorf("secret must be at least %d bytes (32 random bytes, hex-encoded, is a good secret)", MinWebhookSecretBytes)
	case len(w.Events) == 0:
		return fmt.Errorf("events is required: one or more of %s", strings.Join(EventTypes, ", "))
	case w.Site != "" && checkText(w.Site, 200) != "":
		return fmt.Errorf("site %s", checkText(w.Site, 200))
	case w.Timeout <= 0 || w.Timeout > MaxWebhookTimeout:
		return fmt.Errorf("timeout must be more than 0 and at most %s, got %s", MaxWebhookTimeout, w.Timeout)
	}
	for i, e := range w.Events {
		if !slices.Contains(EventTypes, e) {
			return fmt.Errorf("events[%d]: unknown event %q (want %s)", i, e, strings.Join(EventTypes, ", "))
		}
		if slices.Contains(w.Events[:i], e) {
			return fmt.Errorf("events[%d]: %s is listed twice", i, e)
		}
	}
	r := w.Retry
	switch {
	case r.First <= 0:
		return fmt.Errorf("retry.first must be more than 0, got %s", r.First)
	case r.Max < r.First:
		return fmt.Errorf("retry.max (%s) must be at least retry.first (%s)", r.Max, r.First)
	case r.GiveUpAfter < r.First:
		return fmt.Errorf("retry.give_up_after (%s) must be at least retry.first (%s)", r.GiveUpAfter, r.First)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// outboxFor returns the messages that tell the endpoints of hooks that
// want it of event about c: one event id, one delivery each. moderator is
// who acted, if anyone. It runs inside the store's transaction.
func (s *Service) outboxFor(hooks []Webhook, event string, c Comment, moderator string, at time.Time) []OutboxMessage {
	var (
		out     []OutboxMessage
		eventID string
	)
	for i := range hooks {
		w := &hooks[i]
		if !w.wants(event, c.Site) {
			continue
		}
		if eventID == "" {
			eventID = s.newID()
		}
		out = append(out, OutboxMessage{
			ID: s.newID(), EventID: eventID, EventType: event, Endpoint: w.Name, Site: c.Site, CommentID: c.ID,
			Payload:    renderEvent(eventID, event, at, moderator, c, w.Site != ""),
			CreateTime: at,
		})
	}
	return out
}

// eventBody is the JSON body of every event. The comment is the API's
// Comment message as proto JSON writes it with its field names
// (protojson's UseProtoNames), and the reasons its Reason messages: a
// receiver may read them with the generated code.
type eventBody struct {
	ID        string       `json:"id"`
	Type      string       `json:"type"`
	Time      string       `json:"time"`
	Site      string       `json:"site"`
	Moderator string       `json:"moderator,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Comment   eventComment `json:"comment"`
	// Only to the site's own endpoint.
	AuthorEmail string        `json:"author_email,omitempty"`
	Reasons     []eventReason `json:"reasons,omitempty"`
}

type eventComment struct {
	ID         string `json:"id,omitempty"`
	ArticleID  string `json:"article_id,omitempty"`
	ParentID   string `json:"parent_id,omitempty"`
	AuthorName string `json:"author_name,omitempty"`
	AuthorURL  string `json:"author_url,omitempty"`
	Body       string `json:"body,omitempty"`
	Status     string `json:"status,omitempty"`
	CreateTime string `json:"create_time,omitempty"`
	UpdateTime string `json:"update_time,omitempty"`
}

type eventReason struct {
	Rule   string     `json:"rule,omitempty"`
	Action string     `json:"action,omitempty"`
	Detail string     `json:"detail,omitempty"`
	Score  float64    `json:"score,omitempty"`
	Span   *eventSpan `json:"span,omitempty"`
}

type eventSpan struct {
	Field string `json:"field,omitempty"`
	Start int    `json:"start,omitempty"`
	End   int    `json:"end,omitempty"`
	Text  string `json:"text,omitempty"`
}

var ruleActionNames = [...]string{"RULE_ACTION_UNSPECIFIED", "RULE_ACTION_ALLOW", "RULE_ACTION_HOLD", "RULE_ACTION_SPAM", "RULE_ACTION_SCORE", "RULE_ACTION_SHADOW"}

// privateFields are the fields a span may quote that only the site's own
// endpoint hears of.
var privateFields = []string{"email", "ip", "user_agent"}

// renderEvent renders one event's body. The site's own endpoint (own)
// also hears the author's email and spans quoting private fields.
func renderEvent(id, event string, at time.Time, moderator string, c Comment, own bool) []byte {
	b := eventBody{
		ID: id, Type: event, Time: protoTime(at), Site: c.Site, Moderator: moderator, RequestID: c.RequestID,
		Comment: eventComment{
			ID: c.ID, ArticleID: c.ArticleID, ParentID: c.ParentID, AuthorName: c.Author.Name, AuthorURL: c.Author.URL,
			Body: c.Body, Status: "COMMENT_STATUS_" + c.Status.String(),
			CreateTime: protoTime(c.CreateTime), UpdateTime: protoTime(c.UpdateTime),
		},
	}
	if own {
		b.AuthorEmail = c.Author.Email
	}
	for _, r := range ForSite(c.Reasons) {
		er := eventReason{Rule: r.Rule, Detail: r.Detail, Score: r.Score}
		if r.Action > RuleUnspecified && int(r.Action) < len(ruleActionNames) {
			er.Action = ruleActionNames[r.Action]
		}
		if sp := r.Span; sp != nil && (own || !slices.Contains(privateFields, sp.Field)) {
			er.Span = &eventSpan{Field: sp.Field, Start: sp.Start, End: sp.End, Text: sp.Text}
		}
		b.Reasons = append(b.Reasons, er)
	}
	out, err := json.Marshal(b)
	if err != nil {
		panic(fmt.Sprintf("render webhook event: %v", err)) // strings and numbers only: a bug
	}
	return out
}

// scrubEvent returns a stored body without what it said of the author:
// name, URL, text, email and reasons (which quote the text). What places
// the comment — ids, article, request id, status, times — stays.
func scrubEvent(payload []byte) []byte {
	var b eventBody
	if err := json.Unmarshal(payload, &b); err != nil {
		return []byte(`{}`) // not a body of ours: nothing of it is kept
	}
	b.Comment.AuthorName, b.Comment.AuthorURL, b.Comment.Body = "", "", ""
	b.AuthorEmail, b.Reasons = "", nil
	out, err := json.Marshal(b)
	if err != nil {
		return []byte(`{}`)
	}
	return out
}

// protoTime formats t as proto JSON writes a Timestamp: UTC, with 0, 3,
// 6 or 9 fractional digits. The zero time is left out.
func protoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	layout := "2006-01-02T15:04:05"
	switch ns := t.Nanosecond(); {
	case ns == 0:
	case ns%1e6 == 0:
		layout += ".000"
	case ns%1e3 == 0:
		layout += ".000000"
	default:
		layout += ".000000000"
	}
	return t.Format(layout + "Z")
}
