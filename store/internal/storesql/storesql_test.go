package storesql

import (
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
)

// The conformance suite's bounds are whole microseconds; these are not.
func TestCeilMicro(t *testing.T) {
	for _, tc := range []struct{ in, want time.Time }{
		{time.Unix(10, 123000), time.Unix(10, 123000)},
		{time.Unix(10, 123001), time.Unix(10, 124000)},
		{time.Unix(10, 999999999), time.Unix(11, 0)},
		{time.Unix(-10, 1), time.Unix(-10, 1000)}, // up, not toward 1970
	} {
		if got := CeilMicro(tc.in); !got.Equal(tc.want) {
			t.Errorf("CeilMicro(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestStoredTime: what CreateComment and UpdateStatus return matches what
// a read gives back, also for nanoseconds, which the suite does not use.
// SQLite reads unix microseconds back; timestamptz keeps the same.
func TestStoredTime(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	for _, in := range []time.Time{
		time.Unix(10, 123000),
		time.Unix(10, 123999).In(ist),
		time.Unix(-10, 1), // down, not toward 1970
		time.Now(),        // with a monotonic reading
	} {
		got, want := StoredTime(in), time.UnixMicro(in.UnixMicro()).UTC()
		if got != want {
			t.Errorf("StoredTime(%v) = %v, want %v", in, got, want)
		}
	}
}

// TestCommentsQueryShape: the statement text depends on which fields are
// set, not on their values or on the order of the statuses, so that the
// stores' statement caches stay small.
func TestCommentsQueryShape(t *testing.T) {
	var gotStatuses [][]moderation.Status
	d := Dialect{
		Placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
		Time:        func(t time.Time) any { return t.UnixMicro() },
		StatusIn: func(sts []moderation.Status, bind func(any) string) string {
			gotStatuses = append(gotStatuses, sts)
			ps := make([]string, len(sts))
			for i, st := range sts {
				ps[i] = bind(int64(st))
			}
			return "status IN (" + strings.Join(ps, ", ") + ")"
		},
	}
	q1, args1, err := d.CommentsQuery(moderation.Filter{
		Statuses: []moderation.Status{moderation.StatusSpam, moderation.StatusPending, moderation.StatusSpam},
		Site:     "a.example", Since: time.Unix(100, 1), Limit: 10,
		After: &moderation.Cursor{Time: time.Unix(200, 0), ID: "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	q2, _, err := d.CommentsQuery(moderation.Filter{
		Statuses: []moderation.Status{moderation.StatusPending, moderation.StatusSpam},
		Site:     "b.example", Since: time.Unix(5, 0), Limit: 99,
		After: &moderation.Cursor{Time: time.Unix(7, 0), ID: "y"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if q1 != q2 {
		t.Errorf("same shape, different statements:\n%s\n%s", q1, q2)
	}
	want := []moderation.Status{moderation.StatusPending, moderation.StatusSpam}
	for _, got := range gotStatuses {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("StatusIn got %v, want %v sorted and distinct", got, want)
		}
	}
	wantArgs := []any{int64(2), int64(3), "a.example", int64(100000001), int64(200000000), "x", 10}
	if !reflect.DeepEqual(args1, wantArgs) {
		t.Errorf("args %#v, want %#v", args1, wantArgs)
	}
}

func TestInGivenOrder(t *testing.T) {
	for _, tc := range []struct {
		given, changed, want []string
	}{
		{[]string{"b", "a", "c", "a"}, []string{"a", "c", "b"}, []string{"b", "a", "c"}},
		{[]string{"b", "a", "b"}, []string{"b"}, []string{"b"}},
		{[]string{"x"}, nil, nil},
	} {
		if got := InGivenOrder(tc.given, tc.changed); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("InGivenOrder(%q, %q) = %q, want %q", tc.given, tc.changed, got, tc.want)
		}
	}
}

// TestBansQueryShape: the statement texts, with and without a cursor and
// a site.
func TestBansQueryShape(t *testing.T) {
	d := Dialect{
		Placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
		Time:        func(t time.Time) any { return t.UnixMicro() },
	}
	if _, _, err := d.BansQuery(time.Unix(1, 0), nil, 0, ""); err == nil {
		t.Error("limit 0 accepted")
	}
	q1, args, err := d.BansQuery(time.Unix(1, 0), nil, 5, "")
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT " + BanColumns + " FROM bans WHERE (expire_time IS NULL OR expire_time > $1) ORDER BY create_time DESC, id DESC LIMIT $2"
	if q1 != want || !reflect.DeepEqual(args, []any{int64(1000000), 5}) {
		t.Errorf("BansQuery = %q %#v\nwant %q", q1, args, want)
	}
	q2, args, err := d.BansQuery(time.Unix(1, 0), &moderation.Cursor{Time: time.Unix(2, 0), ID: "b"}, 5, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q2, " AND (create_time, id) < ($2, $3) ORDER BY") || !reflect.DeepEqual(args, []any{int64(1000000), int64(2000000), "b", 5}) {
		t.Errorf("BansQuery after a cursor = %q %#v", q2, args)
	}
	q3, args, err := d.BansQuery(time.Unix(1, 0), nil, 5, "news")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q3, " AND site IN ('', $2) ORDER BY") || !reflect.DeepEqual(args, []any{int64(1000000), "news", 5}) {
		t.Errorf("BansQuery of a site = %q %#v", q3, args)
	}
}

// Every shape of PriorQuery numbers its placeholders 1..n for n arguments,
// and a cached text is never handed to a query of another shape.
func TestPriorQueryPlaceholders(t *testing.T) {
	d := Dialect{Placeholder: func(n int) string { return "$" + strconv.Itoa(n) }}
	for _, q := range []moderation.PriorQuery{
		{Site: "s", RequestID: "r", ArticleID: "a", AuthorKey: "k", Fingerprint: "f"},
		{Site: "s", ArticleID: "a", AuthorKey: "k", Fingerprint: "f"},
		{Site: "s", RequestID: "r", ArticleID: "a", AuthorKey: "k"},
		{Site: "s", RequestID: "r"},
		{Site: "s", ArticleID: "a", AuthorKey: "k"},
		{Site: "s", RequestID: "r", ArticleID: "a", AuthorKey: "k", Fingerprint: "f"}, // cached now
		{Site: "s", RequestID: "r", ArticleID: "a", AuthorKey: "k", Fingerprint: "f", FirstComment: true},
		{Site: "s", ArticleID: "a", FirstComment: true},
	} {
		for range 2 {
			text, args := d.PriorQuery(q)
			got := placeholder.FindAllString(text, -1)
			want := make([]string, len(args))
			for i := range want {
				want[i] = "$" + strconv.Itoa(i+1)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%+v: placeholders %v for %d args in %s", q, got, len(args), text)
			}
			if got := strings.Count(text, "UNION ALL") + 1; got != kinds(q) {
				t.Errorf("%+v: %d lookups, want %d", q, got, kinds(q))
			}
		}
	}
	if text, args := d.PriorQuery(moderation.PriorQuery{Site: "s"}); text != "" || len(args) != 0 {
		t.Errorf("empty query: %q, %v; want nothing", text, args)
	}
}

var placeholder = regexp.MustCompile(`\$\d+`)

func kinds(q moderation.PriorQuery) int {
	n := 0
	if q.RequestID != "" {
		n++
	}
	if q.AuthorKey != "" && q.Fingerprint != "" {
		n++
	}
	if q.AuthorKey != "" {
		n++
	}
	if q.FirstComment {
		n++
	}
	return n
}

// TestDuplicatePredicateStatus: the predicate spells StatusDeleted as a
// literal, which must stay its value.
func TestDuplicatePredicateStatus(t *testing.T) {
	want := "status <> " + strconv.Itoa(int(moderation.StatusDeleted)) + " "
	if !strings.HasPrefix(DuplicatePredicate, want) {
		t.Errorf("DuplicatePredicate = %q, want it to start with %q", DuplicatePredicate, want)
	}
}

func TestTokensRoundTrip(t *testing.T) {
	ts := Distinct([]learn.Token{1<<64 - 1, 0, 1 << 63, 7, 7})
	if want := []learn.Token{0, 7, 1 << 63, 1<<64 - 1}; !slices.Equal(ts, want) {
		t.Fatalf("Distinct = %x, want %x", ts, want)
	}
	b := EncodeTokens(ts)
	if len(b) != 8*len(ts) {
		t.Errorf("%d bytes for %d tokens", len(b), len(ts))
	}
	got, err := DecodeTokens(b)
	if err != nil || !slices.Equal(got, ts) {
		t.Errorf("DecodeTokens = %x, %v; want %x", got, err, ts)
	}
	if _, err := DecodeTokens(b[:7]); err == nil {
		t.Error("DecodeTokens of 7 bytes: no error")
	}
	if got := Counts(-3, 1<<40); got != (learn.Counts{Ham: 1<<32 - 1}) {
		t.Errorf("Counts(-3, 2^40) = %+v, want clamped to {0, MaxUint32}", got)
	}
}
