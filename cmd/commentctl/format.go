package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commentd/commentd/cmd/commentctl/internal/termsafe"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// statusNames are the --status values, in the order of the enum.
var statusNames = []string{"published", "pending", "spam", "rejected", "deleted"}

// parseStatus reads a --status value: a short name in any case, or the
// enum's full name.
func parseStatus(s string) (pb.CommentStatus, error) {
	name := strings.ToUpper(strings.TrimSpace(s))
	name = strings.TrimPrefix(name, "COMMENT_STATUS_")
	if v, ok := pb.CommentStatus_value["COMMENT_STATUS_"+name]; ok && v != 0 {
		return pb.CommentStatus(v), nil
	}
	return 0, usageErrorf("--status must be one of %s, not %q", strings.Join(statusNames, ", "), s)
}

// statusName is a status for people: "pending".
func statusName(s pb.CommentStatus) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "COMMENT_STATUS_"))
}

// ruleActionName is a reason's action for people: "HOLD".
func ruleActionName(a pb.RuleAction) string {
	return strings.TrimPrefix(a.String(), "RULE_ACTION_")
}

// parseSince reads --since: a duration back from now ("90m", "2h",
// "3d"), an RFC 3339 time, or a date (midnight, local time).
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, usageErrorf("--since %q: give a duration back from now (30m, 2h, 3d), an RFC 3339 time (2026-11-27T09:00:00+05:30) or a date (2026-11-27)", s)
}

// parseTTL reads a duration that may be in days ("7d").
func parseTTL(flag, s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usageErrorf("%s %q: give a duration such as 90m, 24h or 7d", flag, s)
	}
	return d, nil
}

// age is how long ago t was, in one unit: 40s, 5m, 3h, 2d.
func age(t *timestamppb.Timestamp, now time.Time) string {
	if t == nil {
		return "-"
	}
	return shortDuration(now.Sub(t.AsTime()))
}

// shortDuration is a duration in one unit, rounded down: 40s, 5m, 3h, 2d.
func shortDuration(d time.Duration) string {
	d = max(d, 0)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

// localTime is a date and time for people, in local time.
func localTime(t *timestamppb.Timestamp) string {
	if t == nil {
		return "-"
	}
	return t.AsTime().Local().Format("2006-01-02 15:04:05 MST")
}

// ruleIDs lists a comment's rules, each once, in order.
func ruleIDs(rs []*pb.Reason) string {
	var ids []string
	for _, r := range rs {
		if !slices.Contains(ids, r.GetRule()) {
			ids = append(ids, r.GetRule())
		}
	}
	return strings.Join(ids, ",")
}

// reasonLine is one reason for people: action, rule, score, detail and
// the text matched, all safe to print.
func reasonLine(r *pb.Reason) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-5s  %s", ruleActionName(r.GetAction()), termsafe.Line(r.GetRule()))
	if r.GetScore() != 0 {
		fmt.Fprintf(&b, " (score %s)", strconv.FormatFloat(r.GetScore(), 'f', -1, 64))
	}
	if d := r.GetDetail(); d != "" {
		fmt.Fprintf(&b, ": %s", termsafe.Line(d))
	}
	if sp := r.GetSpan(); sp != nil && (sp.GetText() != "" || sp.GetField() != "") {
		fmt.Fprintf(&b, " — matched %s[%d:%d] “%s”", termsafe.Line(sp.GetField()), sp.GetStart(), sp.GetEnd(), termsafe.Line(sp.GetText()))
	}
	return b.String()
}

// pj marshals messages for -o json: proto field names, as in the .proto
// files, and every field even when empty, so scripts need no defaults.
var pj = protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}

// marshalJSON returns one message, or a list of them as a JSON array,
// indented and safe for a terminal (termsafe.JSON).
func marshalJSON[M proto.Message](msgs []M, asList bool) ([]byte, error) {
	// Joined by hand: json.Marshal would escape <, > and & in the text.
	var raw []byte
	if asList {
		raw = append(raw, '[')
	}
	for i, m := range msgs {
		b, err := pj.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encode JSON: %w", err)
		}
		if i > 0 {
			raw = append(raw, ',')
		}
		raw = append(raw, b...)
	}
	if asList {
		raw = append(raw, ']')
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	out.WriteByte('\n')
	return termsafe.JSON(out.Bytes()), nil
}

// printJSONList prints msgs as one JSON array.
func printJSONList[M proto.Message](a *app, msgs []M) error {
	b, err := marshalJSON(msgs, true)
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(b)
	return err
}

// printJSON prints one message as a JSON object.
func printJSON(a *app, m proto.Message) error {
	b, err := marshalJSON([]proto.Message{m}, false)
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(b)
	return err
}

// jsonLine is one message as one line of JSON, for streams.
func jsonLine(m proto.Message) ([]byte, error) {
	b, err := pj.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	out.WriteByte('\n')
	return termsafe.JSON(out.Bytes()), nil
}

// reportsSummary is a comment's open reports on one line: how many, their
// weight, and their reasons most frequent first, such as "3 (3.0):
// abuse×2,spam".
func reportsSummary(d *pb.CommentDetail) string {
	rs := d.GetReports()
	if len(rs) == 0 {
		return ""
	}
	counts := map[string]int{}
	var kinds []string
	for _, r := range rs {
		k := reportReasonName(r.GetReason())
		if counts[k] == 0 {
			kinds = append(kinds, k)
		}
		counts[k]++
	}
	slices.SortStableFunc(kinds, func(a, b string) int { return counts[b] - counts[a] })
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = k
		if counts[k] > 1 {
			parts[i] = fmt.Sprintf("%s×%d", k, counts[k])
		}
	}
	return fmt.Sprintf("%d (%.1f): %s", len(rs), d.GetReportWeight(), strings.Join(parts, ","))
}

func reportReasonName(r pb.ReportReason) string {
	return strings.ToLower(strings.TrimPrefix(r.String(), "REPORT_REASON_"))
}

// reportLine is one report for people: reason, reader pseudonym and
// weight, and the reader's note, safe to print.
func reportLine(r *pb.CommentReport) string {
	line := fmt.Sprintf("%-9s %s (weight %.2g)", reportReasonName(r.GetReason()), termsafe.Line(r.GetReporter()), r.GetReporterWeight())
	if n := r.GetNote(); n != "" {
		line += ": “" + termsafe.Line(n) + "”"
	}
	return line
}
