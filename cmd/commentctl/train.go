package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/commentd/commentd/client"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

const (
	// trainBatchExamples is the most examples TrainComments takes a call.
	trainBatchExamples = 500
	// trainBatchBytes keeps a batch well inside commentd's 64 KiB request
	// limit.
	trainBatchBytes = 56 << 10
	// trainMaxErrors is how many bad lines are printed before the rest
	// are only counted.
	trainMaxErrors = 20
)

// trainLine is one line of a history file. Unknown fields are refused, so
// a misspelt field cannot silently train on nothing.
type trainLine struct {
	Body        *string `json:"body"`
	AuthorName  string  `json:"author_name"`
	AuthorEmail string  `json:"author_email"`
	AuthorURL   string  `json:"author_url"`
	Label       string  `json:"label"`
}

// trainBatch is one TrainComments call's examples and the lines they
// came from.
type trainBatch struct {
	examples []*pb.TrainingExample
	lines    []int
}

func newTrainCmd(a *app) *cobra.Command {
	var from, site string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "train --from FILE",
		Short: "Teach the learned rule a site's labelled history from elsewhere",
		Long: `Trains a site's learned rule from comments labelled elsewhere, such as
an export of another system's spam and approved comments, as if a
moderator had marked each spam or approved it. Nothing is stored as a
comment. FILE (or - for standard input) is JSON Lines, one example a line:

  {"body": "...", "author_name": "...", "author_email": "...",
   "author_url": "...", "label": "spam"}

body and label ("spam" or "ham") are required; the author fields are
optional; blank lines are skipped; any other field is an error. The whole
file is checked first, by commentctl and then by commentd, and a file with
any bad line trains nothing: every bad line is reported with its number.
Needs a token with the admin role; each batch is one audit event.`,
		Example: `  commentctl train --from wordpress-history.jsonl
  commentctl train --from history.jsonl --site news --dry-run`,
		Args: cobra.NoArgs,
		RunE: runE(func(ctx context.Context, _ *cobra.Command, _ []string) error {
			if from == "" {
				return usageErrorf("--from is required: a JSON Lines file, or - for standard input")
			}
			in := a.stdin
			if from != "-" {
				f, err := os.Open(from)
				if err != nil {
					return usageErrorf("--from: %v", err)
				}
				defer f.Close()
				in = f
			}
			batches, err := readTraining(a, in)
			if err != nil {
				return err
			}
			c, err := a.dial(ctx)
			if err != nil {
				return err
			}
			return train(ctx, a, c, site, batches, dryRun)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "the history, JSON Lines (`file`, or - for standard input)")
	f.StringVar(&site, "site", "default", "the `site` whose learned rule learns")
	f.BoolVar(&dryRun, "dry-run", false, "check and count the examples, and train nothing")
	return cmd
}

// readTraining parses every line and cuts the examples into batches. Bad
// lines are printed and refuse the file.
func readTraining(a *app, in io.Reader) ([]trainBatch, error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var (
		batches []trainBatch
		cur     trainBatch
		size    int
		bad     int
	)
	report := func(n int, format string, args ...any) {
		bad++
		if bad <= trainMaxErrors {
			fmt.Fprintf(a.stderr, "line %d: %s\n", n, fmt.Sprintf(format, args...))
		}
	}
	for n := 1; sc.Scan(); n++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		e, err := parseTrainLine(text)
		if err != nil {
			report(n, "%v", err)
			continue
		}
		sz := proto.Size(e) + 8
		if len(cur.examples) == trainBatchExamples || len(cur.examples) > 0 && size+sz > trainBatchBytes {
			batches, cur, size = append(batches, cur), trainBatch{}, 0
		}
		cur.examples, cur.lines, size = append(cur.examples, e), append(cur.lines, n), size+sz
	}
	if err := sc.Err(); err != nil {
		return nil, &runError{err: fmt.Errorf("reading the history: %w", err)}
	}
	if len(cur.examples) > 0 {
		batches = append(batches, cur)
	}
	if bad > 0 {
		if bad > trainMaxErrors {
			fmt.Fprintf(a.stderr, "… and %d more bad lines\n", bad-trainMaxErrors)
		}
		noun := "lines"
		if bad == 1 {
			noun = "line"
		}
		return nil, &runError{err: fmt.Errorf("%d bad %s; nothing was trained", bad, noun)}
	}
	if len(batches) == 0 {
		return nil, usageErrorf("the history holds no examples")
	}
	return batches, nil
}

func parseTrainLine(text []byte) (*pb.TrainingExample, error) {
	d := json.NewDecoder(bytes.NewReader(text))
	d.DisallowUnknownFields()
	var l trainLine
	if err := d.Decode(&l); err != nil {
		return nil, fmt.Errorf("not a JSON object of body, author_name, author_email, author_url and label: %v", err)
	}
	if d.More() {
		return nil, errors.New("more than one JSON value on the line")
	}
	var label pb.TrainingLabel
	switch strings.ToLower(l.Label) {
	case "spam":
		label = pb.TrainingLabel_TRAINING_LABEL_SPAM
	case "ham":
		label = pb.TrainingLabel_TRAINING_LABEL_HAM
	case "":
		return nil, errors.New(`label is required: "spam" or "ham"`)
	default:
		return nil, fmt.Errorf(`label must be "spam" or "ham", not %q`, l.Label)
	}
	if l.Body == nil {
		return nil, errors.New("body is required")
	}
	return &pb.TrainingExample{
		Body:   *l.Body,
		Author: &pb.Author{Name: l.AuthorName, Email: l.AuthorEmail, Url: l.AuthorURL},
		Label:  label,
	}, nil
}

// train has commentd check every batch, then sends them for real: a file
// commentd refuses any line of trains nothing.
func train(ctx context.Context, a *app, c *client.Client, site string, batches []trainBatch, dryRun bool) error {
	total := 0
	for _, b := range batches {
		total += len(b.examples)
	}
	var spam, ham int64
	for _, validate := range []bool{true, false} {
		if !validate && dryRun {
			break
		}
		spam, ham = 0, 0
		done := 0
		for _, b := range batches {
			resp, err := c.Moderation.TrainComments(ctx, &pb.TrainCommentsRequest{Site: site, Examples: b.examples, ValidateOnly: validate})
			if err != nil {
				if validate && reportTrainViolations(a, err, b.lines) {
					return &runError{err: errors.New("commentd refused the lines above; nothing was trained")}
				}
				if !validate && done > 0 {
					return &runError{err: fmt.Errorf("after %d of %d examples were trained: %w", done, total, err)}
				}
				return err
			}
			spam, ham = spam+resp.GetSpam(), ham+resp.GetHam()
			done += len(b.examples)
			if !validate && len(batches) > 1 {
				fmt.Fprintf(a.stderr, "trained %d of %d examples (%d%%)\n", done, total, 100*done/total)
			}
		}
	}
	verb := "trained"
	if dryRun {
		verb = "would train"
	}
	a.printf("%s site %s: %d spam, %d ham (%d examples)\n", verb, site, spam, ham, total)
	return nil
}

// reportTrainViolations prints commentd's field violations by line, and
// reports whether there were any.
func reportTrainViolations(a *app, err error, lines []int) bool {
	st, ok := status.FromError(err)
	if !ok {
		return false
	}
	printed := false
	for _, d := range st.Details() {
		br, ok := d.(*errdetails.BadRequest)
		if !ok {
			continue
		}
		for _, v := range br.GetFieldViolations() {
			where := v.GetField()
			if rest, ok := strings.CutPrefix(where, "examples["); ok {
				if i, field, ok := strings.Cut(rest, "]."); ok {
					if n, err := strconv.Atoi(i); err == nil && n < len(lines) {
						where = fmt.Sprintf("line %d: %s", lines[n], field)
					}
				}
			}
			fmt.Fprintf(a.stderr, "%s: %s\n", where, v.GetDescription())
			printed = true
		}
	}
	return printed
}
