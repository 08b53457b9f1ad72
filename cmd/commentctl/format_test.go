package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"90m", now.Add(-90 * time.Minute)},
		{"2h", now.Add(-2 * time.Hour)},
		{"3d", now.AddDate(0, 0, -3)},
		{"2026-11-27T09:00:00+05:30", time.Date(2026, 11, 27, 3, 30, 0, 0, time.UTC)},
		{"2026-11-20", time.Date(2026, 11, 20, 0, 0, 0, 0, time.Local)},
	} {
		got, err := parseSince(tc.in, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"yesterday", "-2h", "2x", "d"} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("parseSince(%q) succeeded", bad)
		}
	}
}

func TestParseStatusAndList(t *testing.T) {
	for in, want := range map[string]pb.CommentStatus{
		"pending": pb.CommentStatus_COMMENT_STATUS_PENDING, "SPAM": pb.CommentStatus_COMMENT_STATUS_SPAM,
		"Published": pb.CommentStatus_COMMENT_STATUS_PUBLISHED, "COMMENT_STATUS_DELETED": pb.CommentStatus_COMMENT_STATUS_DELETED,
	} {
		if got, err := parseStatus(in); err != nil || got != want {
			t.Errorf("parseStatus(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "unspecified", "held"} {
		if _, err := parseStatus(bad); err == nil {
			t.Errorf("parseStatus(%q) succeeded", bad)
		}
	}
	for in, want := range map[string]pb.WordList{"block": pb.WordList_WORD_LIST_BLOCK, "Hold": pb.WordList_WORD_LIST_HOLD, "WORD_LIST_ALLOW": pb.WordList_WORD_LIST_ALLOW} {
		if got, err := parseWordList(in); err != nil || got != want {
			t.Errorf("parseWordList(%q) = %v, %v", in, got, err)
		}
	}
}

func TestShortDurationAndCodeName(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 40 * time.Second: "40s", 5 * time.Minute: "5m", 3*time.Hour + 59*time.Minute: "3h", 49 * time.Hour: "2d",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
	for c, want := range map[codes.Code]string{
		codes.OK: "OK", codes.NotFound: "NOT_FOUND", codes.FailedPrecondition: "FAILED_PRECONDITION",
		codes.InvalidArgument: "INVALID_ARGUMENT", codes.Unauthenticated: "UNAUTHENTICATED", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
	} {
		if got := codeName(c); got != want {
			t.Errorf("codeName(%v) = %q, want %q", c, got, want)
		}
	}
}

func TestResultLine(t *testing.T) {
	id := "01a21a73-93ba-7eca-85ba-0ef079be6234"
	for _, tc := range []struct {
		r    *pb.ModerationResult
		want string
	}{
		{&pb.ModerationResult{Id: id, Status: pb.CommentStatus_COMMENT_STATUS_PUBLISHED, Changed: true}, "approved " + id},
		{&pb.ModerationResult{Id: id, Status: pb.CommentStatus_COMMENT_STATUS_PUBLISHED}, "unchanged " + id + " (already published)"},
		{&pb.ModerationResult{Id: id, Code: 5, Message: "comment not found"}, "failed " + id + ": NOT_FOUND comment not found"},
		{&pb.ModerationResult{Id: "x\x1b[2J", Code: 3, Message: "not a comment id"}, `failed x\x1b[2J: INVALID_ARGUMENT not a comment id`},
	} {
		if got := resultLine(tc.r, "approved"); got != tc.want {
			t.Errorf("resultLine = %q, want %q", got, tc.want)
		}
	}
}

func TestReadIDs(t *testing.T) {
	a := newApp(strings.NewReader("# the queue\n\n  id-1  \nid-2\nid-1\nnot an id\n#id-3\n"), &bytes.Buffer{}, &bytes.Buffer{})
	ids, bad, err := a.readIDs([]string{"-"})
	if err != nil || !slices.Equal(ids, []string{"id-1", "id-2"}) || !slices.Equal(bad, []string{"not an id"}) {
		t.Errorf("readIDs(-) = %q, %q, %v", ids, bad, err)
	}
	if _, _, err := a.readIDs([]string{"id-1", "-"}); err == nil {
		t.Error("readIDs accepted ids and - together")
	}
	ids, bad, _ = a.readIDs([]string{"b", "a", "b", strings.Repeat("x", 65)})
	if !slices.Equal(ids, []string{"b", "a"}) || len(bad) != 1 {
		t.Errorf("readIDs(args) = %q, %q", ids, bad)
	}
}

// TestHelp checks that every command explains itself with examples.
func TestHelp(t *testing.T) {
	root := newRootCmd(newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("%q lacks a short or long description or examples", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)

	var out bytes.Buffer
	code := run(t.Context(), []string{"queue", "--help"}, strings.NewReader(""), &out, &out)
	if code != 0 || !strings.Contains(out.String(), "--oldest") || !strings.Contains(out.String(), "Examples:") {
		t.Errorf("queue --help: %d\n%s", code, out.String())
	}
}
