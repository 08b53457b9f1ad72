package storesql

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

// micros is a Times as SQLite's: unix microseconds.
var micros = Times[int64]{
	Encode: time.Time.UnixMicro,
	Decode: func(us int64) time.Time { return time.UnixMicro(us).UTC() },
}

var dollar = Dialect{Placeholder: func(n int) string { return "$" + strconv.Itoa(n) }}

// TestColumnAccessors: every column says, with exactly one accessor, how
// it is written and read.
func TestColumnAccessors(t *testing.T) {
	names := map[string]bool{}
	for _, col := range commentColumns {
		n := 0
		for _, set := range []bool{col.text != nil, col.status != nil, col.float != nil, col.bytes != nil,
			col.time != nil, col.reasons != nil, col.derived != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Errorf("column %s has %d accessors, want 1", col.name, n)
		}
		if names[col.name] {
			t.Errorf("column %s declared twice", col.name)
		}
		names[col.name] = true
	}
}

// TestDerivedStatements: the insert names every column once with one
// placeholder each, in the order of Args; the select lists leave out the
// derived email key, and the public one reader data too.
func TestDerivedStatements(t *testing.T) {
	cs := NewComments(dollar, micros)
	var marks []string
	for i := range commentColumns {
		marks = append(marks, "$"+strconv.Itoa(i+1))
	}
	want := "INSERT INTO comments (id, site, article_id, parent_id, author_name, author_email, author_email_key, " +
		"author_url, body, ip, user_agent, referrer, status, initial_status, reasons, score, request_id, request_hash, " +
		"create_time, update_time, moderated_by, moderation_note, author_user_id, author_key, body_fingerprint, import_key)\n" +
		"VALUES (" + strings.Join(marks, ", ") + ")"
	if cs.Insert != want+"\nON CONFLICT (site, request_id) WHERE request_id <> '' DO NOTHING" {
		t.Errorf("Insert =\n%s\nwant\n%s", cs.Insert, want)
	}
	// An import is refused by any unique index: its key, the duplicate rule.
	if cs.ImportInsert != want+"\nON CONFLICT DO NOTHING" {
		t.Errorf("ImportInsert =\n%s\nwant\n%s", cs.ImportInsert, want)
	}
	args, err := cs.Args(&moderation.Comment{Author: moderation.Author{Email: " Priya@Example.IN "}})
	if err != nil || len(args) != len(marks) {
		t.Fatalf("Args: %d values, %v; want %d", len(args), err, len(marks))
	}
	if args[6] != "priya@example.in" {
		t.Errorf("author_email_key = %#v, want the email's key", args[6])
	}
	if args[14] != "[]" || args[17] != nil {
		t.Errorf("no reasons and no request hash = %#v, %#v; want \"[]\" and NULL", args[14], args[17])
	}
	if got, want := PublicCommentColumns, "id, site, article_id, parent_id, author_name, author_url, body, status, create_time, update_time"; got != want {
		t.Errorf("PublicCommentColumns = %s, want %s", got, want)
	}
	if strings.Contains(CommentColumns, "author_email_key") || strings.Count(CommentColumns, ",")+1 != len(commentColumns)-1 {
		t.Errorf("CommentColumns = %s, want every column but author_email_key", CommentColumns)
	}
}

// row is a row that a database returned for the values Args wrote: a
// pure unit test of the scan against the arguments, column by column.
type row struct {
	values []any
	prefix []any
}

func (r row) Scan(dest ...any) error {
	vals := append(append([]any{}, r.prefix...), r.values...)
	if len(dest) != len(vals) {
		return fmt.Errorf("%d destinations for %d columns", len(dest), len(vals))
	}
	for i, d := range dest {
		v := reflect.ValueOf(vals[i])
		dv := reflect.ValueOf(d).Elem()
		if !v.IsValid() { // NULL
			dv.SetZero()
			continue
		}
		if !v.Type().ConvertibleTo(dv.Type()) {
			return fmt.Errorf("column %d: cannot scan %T into %T", i, vals[i], d)
		}
		dv.Set(v.Convert(dv.Type()))
	}
	return nil
}

// selected returns the arguments of the columns a select list reads.
func selected(args []any, public bool) []any {
	var out []any
	for i, col := range commentColumns {
		if col.derived == nil && (!public || col.public) {
			out = append(out, args[i])
		}
	}
	return out
}

// TestScanReadsWhatArgsWrote: each column is set back from its stored
// value into the field it was taken from, in both projections.
func TestScanReadsWhatArgsWrote(t *testing.T) {
	cs := NewComments(dollar, micros)
	c := moderation.Comment{
		ID: "c1", Site: "s", ArticleID: "a", ParentID: "p",
		Author: moderation.Author{Name: "प्रिया", Email: "p@example.in", URL: "https://example.in", UserID: "u"},
		Body:   "body", Client: moderation.Client{IP: "2001:db8::1", UserAgent: "ua", Referrer: "ref"},
		Status: moderation.StatusPending, InitialStatus: moderation.StatusSpam,
		Reasons: []moderation.Reason{{Rule: "r", Action: moderation.RuleHold, Span: &moderation.Span{Field: "body", Text: "x"}}},
		Score:   1.5, RequestID: "req", RequestHash: []byte{0, 1},
		CreateTime: time.Unix(10, 123456789), UpdateTime: time.Unix(11, 1000),
		ModeratedBy: "m", ModerationNote: "n", AuthorKey: "k", BodyFingerprint: "f",
	}
	args, err := cs.Args(&c)
	if err != nil {
		t.Fatal(err)
	}
	sc := cs.Scanner(false)
	for range 2 { // the scanner is reused from row to row
		got, err := sc.Scan(row{values: selected(args, false)})
		if err != nil {
			t.Fatal(err)
		}
		if want := Stored(c); !reflect.DeepEqual(got, want) {
			t.Errorf("full scan:\n got %+v\nwant %+v", got, want)
		}
	}

	got, err := cs.Scanner(true).Scan(row{values: selected(args, true)})
	if err != nil {
		t.Fatal(err)
	}
	want := moderation.Comment{
		ID: c.ID, Site: c.Site, ArticleID: c.ArticleID, ParentID: c.ParentID,
		Author: moderation.Author{Name: c.Author.Name, URL: c.Author.URL}, Body: c.Body, Status: c.Status,
		CreateTime: StoredTime(c.CreateTime), UpdateTime: StoredTime(c.UpdateTime),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("public scan:\n got %+v\nwant %+v", got, want)
	}

	// An empty row after a full one leaves nothing of the full one.
	var empty moderation.Comment
	args, _ = cs.Args(&empty)
	if got, err := sc.Scan(row{values: selected(args, false)}); err != nil || !reflect.DeepEqual(got, Stored(empty)) {
		t.Errorf("empty comment after a full one: %+v, %v", got, err)
	}
}

// TestReadPriorKind: the kind column ahead of the comment's says which
// lookup a row answers.
func TestReadPriorKind(t *testing.T) {
	cs := NewComments(dollar, micros)
	c := moderation.Comment{ID: "c1", Site: "s", CreateTime: time.Unix(1, 0), UpdateTime: time.Unix(1, 0)}
	args, err := cs.Args(&c)
	if err != nil {
		t.Fatal(err)
	}
	vals := selected(args, false)
	p, err := cs.ReadPrior(&rows{rows: []row{
		{prefix: []any{int64(priorRequest)}, values: vals},
		{prefix: []any{int64(priorApproved)}, values: vals},
	}})
	if err != nil || p.Request == nil || p.Request.ID != "c1" || p.Duplicate != nil || !p.Approved {
		t.Errorf("ReadPrior = %+v, %v; want the request c1 and approved", p, err)
	}
}

type rows struct {
	rows []row
	i    int
}

func (r *rows) Next() bool             { r.i++; return r.i <= len(r.rows) }
func (r *rows) Err() error             { return nil }
func (r *rows) Scan(dest ...any) error { return r.rows[r.i-1].Scan(dest...) }
