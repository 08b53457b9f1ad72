package storesql

import (
	"fmt"
	"strings"
	"time"

	"github.com/commentd/commentd/moderation"
)

// column is one column of the comments table: its name, whether a public
// listing reads it, and how its value comes from a moderation.Comment and
// goes back into one. Exactly one of the accessors is set; each returns
// the field it stands for, to read and to set.
type column struct {
	name   string
	public bool // what a reader sees: no reader data, reasons or moderation fields

	text    func(*moderation.Comment) *string
	status  func(*moderation.Comment) *moderation.Status // an integer column
	float   func(*moderation.Comment) *float64
	bytes   func(*moderation.Comment) *[]byte // empty is stored as NULL, read back as nil
	time    func(*moderation.Comment) *time.Time
	reasons func(*moderation.Comment) *[]moderation.Reason // JSON in a text column (EncodeReasons)
	// derived columns are written from other fields and never read.
	derived func(*moderation.Comment) string
}

// commentColumns is the comments table, declared once: the statements,
// row scans and argument lists of both stores are derived from it. A new
// column is one line here and a migration in each store.
var commentColumns = [...]column{
	{name: "id", public: true, text: func(c *moderation.Comment) *string { return &c.ID }},
	{name: "site", public: true, text: func(c *moderation.Comment) *string { return &c.Site }},
	{name: "article_id", public: true, text: func(c *moderation.Comment) *string { return &c.ArticleID }},
	{name: "parent_id", public: true, text: func(c *moderation.Comment) *string { return &c.ParentID }},
	{name: "author_name", public: true, text: func(c *moderation.Comment) *string { return &c.Author.Name }},
	{name: "author_email", text: func(c *moderation.Comment) *string { return &c.Author.Email }},
	// Listings by author, author histories and erasure match on it.
	{name: "author_email_key", derived: func(c *moderation.Comment) string { return moderation.EmailKey(c.Author.Email) }},
	{name: "author_url", public: true, text: func(c *moderation.Comment) *string { return &c.Author.URL }},
	{name: "body", public: true, text: func(c *moderation.Comment) *string { return &c.Body }},
	{name: "ip", text: func(c *moderation.Comment) *string { return &c.Client.IP }},
	{name: "user_agent", text: func(c *moderation.Comment) *string { return &c.Client.UserAgent }},
	{name: "referrer", text: func(c *moderation.Comment) *string { return &c.Client.Referrer }},
	{name: "status", public: true, status: func(c *moderation.Comment) *moderation.Status { return &c.Status }},
	{name: "initial_status", status: func(c *moderation.Comment) *moderation.Status { return &c.InitialStatus }},
	{name: "reasons", reasons: func(c *moderation.Comment) *[]moderation.Reason { return &c.Reasons }},
	{name: "score", float: func(c *moderation.Comment) *float64 { return &c.Score }},
	{name: "request_id", text: func(c *moderation.Comment) *string { return &c.RequestID }},
	{name: "request_hash", bytes: func(c *moderation.Comment) *[]byte { return &c.RequestHash }},
	{name: "create_time", public: true, time: func(c *moderation.Comment) *time.Time { return &c.CreateTime }},
	{name: "update_time", public: true, time: func(c *moderation.Comment) *time.Time { return &c.UpdateTime }},
	{name: "moderated_by", text: func(c *moderation.Comment) *string { return &c.ModeratedBy }},
	{name: "moderation_note", text: func(c *moderation.Comment) *string { return &c.ModerationNote }},
	{name: "author_user_id", text: func(c *moderation.Comment) *string { return &c.Author.UserID }},
	{name: "author_key", text: func(c *moderation.Comment) *string { return &c.AuthorKey }},
	{name: "body_fingerprint", text: func(c *moderation.Comment) *string { return &c.BodyFingerprint }},
	{name: "import_key", text: func(c *moderation.Comment) *string { return &c.ImportKey }},
}

// selectList returns the names of the columns a query reads, in table
// order, and the columns themselves.
func selectList(public bool) (string, []*column) {
	var names []string
	var cols []*column
	for i := range commentColumns {
		col := &commentColumns[i]
		if col.derived != nil || (public && !col.public) {
			continue
		}
		names = append(names, col.name)
		cols = append(cols, col)
	}
	return strings.Join(names, ", "), cols
}

var (
	fullColumns, publicColumns []*column

	// CommentColumns is the select list of every comment query; a
	// CommentScanner reads its rows.
	CommentColumns string
	// PublicCommentColumns is the select list of a public listing: what a
	// reader sees. Fewer columns matter: with SQLite each costs a driver
	// call per row.
	PublicCommentColumns string
)

func init() {
	CommentColumns, fullColumns = selectList(false)
	PublicCommentColumns, publicColumns = selectList(true)
}

// Times is how one database stores time columns: as a T. Both keep
// microseconds.
type Times[T any] struct {
	Encode func(time.Time) T
	// Decode returns the time in UTC.
	Decode func(T) time.Time
}

// Comments is what one store needs to write and read comments, derived
// from the table once at start.
type Comments[T any] struct {
	// Insert stores one comment, or does nothing when the site already
	// holds its request id. Args gives its arguments.
	Insert string
	// ImportInsert stores one imported comment, or does nothing when any
	// unique index refuses it (its import key, the duplicate rule). Args
	// gives its arguments.
	ImportInsert string
	times        Times[T]
}

// NewComments derives the comment statements of a database that spells
// queries as d and stores times as times.
func NewComments[T any](d Dialect, times Times[T]) *Comments[T] {
	names := make([]string, len(commentColumns))
	marks := make([]string, len(commentColumns))
	for i, col := range commentColumns {
		names[i], marks[i] = col.name, d.Placeholder(i+1)
	}
	insert := "INSERT INTO comments (" + strings.Join(names, ", ") + ")\nVALUES (" + strings.Join(marks, ", ") + ")"
	return &Comments[T]{
		Insert:       insert + "\nON CONFLICT (site, request_id) WHERE request_id <> '' DO NOTHING",
		ImportInsert: insert + "\nON CONFLICT DO NOTHING",
		times:        times,
	}
}

// Args returns the values of Insert's placeholders for c.
func (t *Comments[T]) Args(c *moderation.Comment) ([]any, error) {
	args := make([]any, len(commentColumns))
	for i := range commentColumns {
		col := &commentColumns[i]
		switch {
		case col.text != nil:
			args[i] = *col.text(c)
		case col.status != nil:
			args[i] = int64(*col.status(c))
		case col.float != nil:
			args[i] = *col.float(c)
		case col.bytes != nil:
			if b := *col.bytes(c); len(b) > 0 {
				args[i] = b
			} // else NULL
		case col.time != nil:
			args[i] = t.times.Encode(*col.time(c))
		case col.reasons != nil:
			s, err := EncodeReasons(*col.reasons(c))
			if err != nil {
				return nil, err
			}
			args[i] = s
		case col.derived != nil:
			args[i] = col.derived(c)
		default:
			panic("storesql: column " + col.name + " has no accessor")
		}
	}
	return args, nil
}

// CommentScanner reads rows of CommentColumns (or PublicCommentColumns)
// into comments. Its scan destinations are made once, when it is made,
// so that a row costs no more than what the driver allocates for the
// values. It serves one query at a time.
type CommentScanner[T any] struct {
	t    *Comments[T]
	cols []*column
	n    int // prefix destinations ahead of the columns
	dest [len(commentColumns) + 1]any
	c    moderation.Comment
	// Slots for the columns not scanned straight into c, by column.
	ints    [len(commentColumns)]int64
	times   [len(commentColumns)]T
	reasons [len(commentColumns)]string
}

// Scanner returns a scanner of the full or the public select list.
func (t *Comments[T]) Scanner(public bool) *CommentScanner[T] {
	return t.scanner(public, nil)
}

// scanner returns a scanner of the full or public select list, which
// reads prefix, when not nil, from a column ahead of them.
func (t *Comments[T]) scanner(public bool, prefix *int64) *CommentScanner[T] {
	s := &CommentScanner[T]{t: t, cols: fullColumns}
	if public {
		s.cols = publicColumns
	}
	if prefix != nil {
		s.dest[0], s.n = prefix, 1
	}
	for i, col := range s.cols {
		d := &s.dest[s.n+i]
		switch {
		case col.text != nil:
			*d = col.text(&s.c)
		case col.status != nil:
			*d = &s.ints[i]
		case col.float != nil:
			*d = col.float(&s.c)
		case col.bytes != nil:
			*d = col.bytes(&s.c)
		case col.time != nil:
			*d = &s.times[i]
		case col.reasons != nil:
			*d = &s.reasons[i]
		}
	}
	return s
}

// Scan reads one row.
func (s *CommentScanner[T]) Scan(row Scanner) (moderation.Comment, error) {
	s.c = moderation.Comment{}
	if err := row.Scan(s.dest[:s.n+len(s.cols)]...); err != nil {
		return moderation.Comment{}, err
	}
	for i, col := range s.cols {
		switch {
		case col.status != nil:
			*col.status(&s.c) = moderation.Status(s.ints[i])
		case col.bytes != nil:
			if b := col.bytes(&s.c); len(*b) == 0 {
				*b = nil
			}
		case col.time != nil:
			*col.time(&s.c) = s.t.times.Decode(s.times[i])
		case col.reasons != nil:
			rs, err := DecodeReasons(s.reasons[i])
			if err != nil {
				return moderation.Comment{}, fmt.Errorf("comment %s: %w", s.c.ID, err)
			}
			*col.reasons(&s.c) = rs
		}
	}
	return s.c, nil
}

// ScanComment reads one row of CommentColumns.
func (t *Comments[T]) ScanComment(row Scanner) (moderation.Comment, error) {
	return t.Scanner(false).Scan(row)
}
