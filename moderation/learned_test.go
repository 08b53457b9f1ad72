package moderation_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
	"github.com/commentd/commentd/store/memory"
)

// Made-up comments of a Hindi/English news site, in both scripts and in
// Hinglish: spam that no word list here names, and ham about the news.
var (
	spamVocab = []string{"jackpotwala", "sattaking", "आज", "का", "नंबर", "पक्का", "lucky", "number", "pakka", "guaranteed",
		"profit", "kamao", "रोज़", "कमाओ", "link", "join", "vip", "group", "free", "tips", "bonus", "100%", "winner"}
	hamVocab = []string{"budget", "sarkar", "बजट", "सरकार", "किसान", "kisan", "report", "acchi", "अच्छी", "रिपोर्ट", "thanks",
		"article", "लेख", "बहुत", "bahut", "sahi", "सही", "baat", "बात", "india", "भारत", "team", "जीत", "vikas"}
	glue = []string{"hai", "है", "ki", "की", "ke", "के", "aur", "और", "the", "is", "and", "to", "में", "mein", "se", "से"}
)

func made(r *rand.Rand, vocab []string) string {
	var b strings.Builder
	for i := range 10 + r.IntN(15) {
		if i > 0 {
			b.WriteByte(' ')
		}
		if r.IntN(3) == 0 {
			b.WriteString(glue[r.IntN(len(glue))])
		} else {
			b.WriteString(vocab[r.IntN(len(vocab))])
		}
	}
	return b.String()
}

// learning is a policy whose learned rule speaks after 10 decisions of
// each kind, with first-time authors published so each case shows its own
// rules.
func learning(p *moderation.Policy) {
	p.Rules.FirstTimeHold = false
	p.Rules.Learned.MinSpam, p.Rules.Learned.MinHam = 10, 10
}

// decideAll submits n spam and n ham comments and decides each as a
// moderator would.
func decideAll(t *testing.T, svc *moderation.Service, r *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	for range n {
		for _, spam := range []bool{true, false} {
			vocab, action := hamVocab, moderation.ActionApprove
			if spam {
				vocab, action = spamVocab, moderation.ActionMarkSpam
			}
			res, err := svc.Submit(ctx, submission(made(r, vocab)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{res.Comment.ID}, Action: action}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func learnedReason(rs []moderation.Reason) (moderation.Reason, bool) {
	i := slices.IndexFunc(rs, func(r moderation.Reason) bool { return r.Rule == "learned" })
	if i < 0 {
		return moderation.Reason{}, false
	}
	return rs[i], true
}

func TestLearnedRuleLearnsFromModerators(t *testing.T) {
	svc := newService(t, moderation.WithPolicy(policy(learning)))
	r := rand.New(rand.NewPCG(7, 8))
	ctx := context.Background()

	// Below the site's minimum the rule abstains and says nothing.
	decideAll(t, svc, r, 9)
	res, err := svc.Submit(ctx, submission("sattaking lucky number pakka, join vip group for free tips"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := learnedReason(res.Comment.Reasons); ok || res.Comment.Status != moderation.StatusPublished {
		t.Fatalf("with 9 decisions of each kind: %v %+v, want no learned reason", res.Comment.Status, res.Comment.Reasons)
	}

	decideAll(t, svc, r, 11)
	res, err = svc.Submit(ctx, submission("आज का पक्का नंबर: sattaking lucky number, join vip group"))
	if err != nil {
		t.Fatal(err)
	}
	lr, ok := learnedReason(res.Comment.Reasons)
	if res.Comment.Status != moderation.StatusSpam || !ok || lr.Action != moderation.RuleSpam ||
		!strings.Contains(lr.Detail, "learned from 20 spam and 20 ham decisions") || lr.Span == nil {
		t.Fatalf("spam after 20 decisions of each kind: %v %+v, want spam by the learned rule with its evidence", res.Comment.Status, res.Comment.Reasons)
	}
	if got := res.Comment.Body[lr.Span.Start:lr.Span.End]; got != lr.Span.Text {
		t.Errorf("span %+v does not point into the body", lr.Span)
	}

	// Ham with two links is held by the link count alone; the learned
	// rule vouching for it lifts that hint.
	ham := submission("बहुत अच्छी रिपोर्ट, sahi baat hai kisan ke liye budget https://news.example/a https://news.example/b")
	res, err = svc.Submit(ctx, ham)
	if err != nil {
		t.Fatal(err)
	}
	lr, ok = learnedReason(res.Comment.Reasons)
	if res.Comment.Status != moderation.StatusPublished || !ok || lr.Action != moderation.RuleAllow {
		t.Fatalf("ham with two links: %v %+v, want published, vouched for by the learned rule", res.Comment.Status, res.Comment.Reasons)
	}
	if !slices.ContainsFunc(res.Comment.Reasons, func(r moderation.Reason) bool { return r.Rule == "links" }) {
		t.Errorf("the lifted link hold is no longer in the reasons: %+v", res.Comment.Reasons)
	}
}

func TestLearnedRuleNeverLiftsAModeratorsRules(t *testing.T) {
	svc := newService(t, moderation.WithPolicy(policy(func(p *moderation.Policy) {
		learning(p)
		p.Rules.FirstTimeHold = true
	})))
	r := rand.New(rand.NewPCG(9, 10))
	decideAll(t, svc, r, 15)
	ctx := context.Background()
	if _, err := svc.UpdateWordList(ctx, "asha", "", moderation.ListHold, []string{"vikas"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateWordList(ctx, "asha", "", moderation.ListAllow, []string{"sattaking"}, nil); err != nil {
		t.Fatal(err)
	}
	// A HOLD term and the first-time hold stand, however hammy the text.
	res, err := svc.Submit(ctx, submission("बहुत अच्छी रिपोर्ट, sahi baat hai kisan vikas budget"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Comment.Status != moderation.StatusPending {
		t.Errorf("ham with a HOLD term from a first-time author: %v %+v, want pending", res.Comment.Status, res.Comment.Reasons)
	}
	// An ALLOW term turns the learned rule's spam into a hold.
	sub := submission("sattaking lucky number pakka kamao bonus winner vip group")
	res, err = svc.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if lr, ok := learnedReason(res.Comment.Reasons); !ok || lr.Action != moderation.RuleHold || res.Comment.Status != moderation.StatusPending {
		t.Errorf("learned spam with an ALLOW term: %v %+v, want held, not spam", res.Comment.Status, res.Comment.Reasons)
	}
}

// The learned rule's spam verdict on an author with a published comment
// is a hold: a known reader's comment goes to a moderator. A new author's
// same text is spam, and a backtest of the rules in force moves neither.
func TestLearnedSpamFromAKnownAuthorIsHeld(t *testing.T) {
	svc := newService(t, moderation.WithPolicy(policy(func(p *moderation.Policy) {
		learning(p)
		p.Rules.FirstTimeHold = true
	})))
	decideAll(t, svc, rand.New(rand.NewPCG(11, 12)), 15)
	ctx := context.Background()
	meera := moderation.Author{Name: "Meera", Email: "meera@example.in"}
	first := submission("बहुत अच्छी रिपोर्ट, sahi baat hai kisan ke liye budget")
	first.Author = meera
	c := mustSubmit(t, svc, first, moderation.StatusPending)
	if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{c.ID}, Action: moderation.ActionApprove}); err != nil {
		t.Fatal(err)
	}

	spammy := "sattaking lucky number pakka kamao bonus winner vip group"
	known := submission(spammy)
	known.Author = meera
	held := mustSubmit(t, svc, known, moderation.StatusPending)
	if lr, ok := learnedReason(held.Reasons); !ok || lr.Action != moderation.RuleHold ||
		!strings.Contains(lr.Detail, "held rather than spam: the author has a published comment on this site") {
		t.Errorf("learned spam by a known author: %+v, want the learned rule holding it for the author's standing", held.Reasons)
	}
	spam := mustSubmit(t, svc, submission(spammy), moderation.StatusSpam)
	if lr, ok := learnedReason(spam.Reasons); !ok || lr.Action != moderation.RuleSpam {
		t.Errorf("learned spam by a new author: %+v, want spam by the learned rule", spam.Reasons)
	}

	rep, err := svc.Backtest(ctx, moderation.BacktestRequest{Site: "news", Since: time.Now().Add(-time.Hour), Examples: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Replayed != 33 || len(rep.Examples) != rep.Moved {
		t.Fatalf("replayed %d, moved %d with %d examples; want all 33 comments, every move an example", rep.Replayed, rep.Moved, len(rep.Examples))
	}
	for _, ex := range rep.Examples {
		if ex.ID == held.ID || ex.ID == spam.ID {
			t.Errorf("a backtest of the rules in force moves %s from %s to %s: %+v", ex.ID, ex.From, ex.To, ex)
		}
	}
}

func TestChangingOnesMindMovesTheLabel(t *testing.T) {
	st := newStore(t)
	svc := newServiceOn(t, st, moderation.WithPolicy(policy(learning)))
	ctx := context.Background()
	res, err := svc.Submit(ctx, submission("kisan ke liye acchi report"))
	if err != nil {
		t.Fatal(err)
	}
	id := res.Comment.ID
	totals := func() (spam, ham int) {
		_, err := st.LearnedModel(ctx, func(site string, s, h int) { spam, ham = spam+s, ham+h }, func(string, learn.Token, learn.Counts) {})
		if err != nil {
			t.Fatal(err)
		}
		return spam, ham
	}
	for _, step := range []struct {
		action    moderation.Action
		spam, ham int
	}{
		{moderation.ActionApprove, 0, 1}, // already published: still a confirmation
		{moderation.ActionApprove, 0, 1}, // the same again counts nothing
		{moderation.ActionMarkSpam, 1, 0},
		{moderation.ActionReject, 0, 0}, // not spam, not ham
		{moderation.ActionApprove, 0, 1},
		{moderation.ActionDelete, 0, 1}, // says nothing of spam
	} {
		if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{id}, Action: step.action}); err != nil {
			t.Fatal(err)
		}
		if s, h := totals(); s != step.spam || h != step.ham {
			t.Fatalf("after %v: %d spam, %d ham; want %d, %d", step.action, s, h, step.spam, step.ham)
		}
	}
}

// TestADecisionReachesAnotherReplica: two Services over one store, as two
// replicas: decisions made through one change the other's next verdict
// within its next poll of the store's log of label changes (a second).
func TestADecisionReachesAnotherReplica(t *testing.T) {
	db := memory.New()
	a := newServiceOn(t, db.Open(), moderation.WithPolicy(policy(learning)))
	b := newServiceOn(t, db.Open(), moderation.WithPolicy(policy(learning)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	spam := "sattaking lucky number pakka, join vip group for free tips"
	first, err := b.Submit(ctx, submission(spam))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := learnedReason(first.Comment.Reasons); ok {
		t.Fatalf("before any decision: %+v", first.Comment.Reasons)
	}
	decideAll(t, a, rand.New(rand.NewPCG(11, 12)), 12)
	decided := time.Now()
	for {
		res, err := b.Submit(ctx, submission(spam))
		if err != nil {
			t.Fatal(err)
		}
		if lr, ok := learnedReason(res.Comment.Reasons); ok && lr.Action == moderation.RuleSpam {
			// Replicas poll every second; the figure goes to the log, the
			// bound below only keeps a broken build from hanging.
			t.Logf("replica b knew %v after replica a's last decision", time.Since(decided).Round(time.Millisecond))
			break
		}
		if time.Since(decided) > 10*time.Second {
			t.Fatalf("replica b still does not know replica a's decisions %v later: %+v", time.Since(decided), res.Comment.Reasons)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLearnsAcrossScriptsAndSpellings: spam the moderators saw only in
// Devanagari is known in its Hinglish spellings, and ham alike: the rule
// also counts each word's loose Latin form.
func TestLearnsAcrossScriptsAndSpellings(t *testing.T) {
	svc := newService(t, moderation.WithPolicy(policy(learning)))
	ctx := context.Background()
	devSpam := []string{"सट्टा मटका रिजल्ट आज", "पक्का नंबर सट्टा किंग", "मटका गेम खेलो पैसा कमाओ", "सट्टा नंबर पक्का"}
	devHam := []string{"बजट पर अच्छी रिपोर्ट", "किसान के लिए सही फैसला", "सरकार की नीति पर सवाल", "भारत की टीम जीती"}
	for i := range 12 {
		for _, c := range []struct {
			body   string
			action moderation.Action
		}{{devSpam[i%4], moderation.ActionMarkSpam}, {devHam[i%4], moderation.ActionApprove}} {
			res, err := svc.Submit(ctx, submission(fmt.Sprintf("%s %d", c.body, i)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{res.Comment.ID}, Action: c.action}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		body string
		spam bool
	}{
		{"SATTAA matkaa result aaj, pakka number", true},
		{"satta king ka number pakka", true},
		{"budget par achhi report, kisan ke liye sahi faisla", false},
	} {
		res, err := svc.Submit(ctx, submission(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		lr, ok := learnedReason(res.Comment.Reasons)
		if !ok || tc.spam && lr.Action != moderation.RuleSpam || !tc.spam && lr.Action == moderation.RuleSpam {
			t.Errorf("%q: %v %+v, want spam %v from what was learned in Devanagari", tc.body, res.Comment.Status, res.Comment.Reasons, tc.spam)
		}
	}
}

// A backtest asks the store whether an author is known: a spammer whose
// comment came before the rule had learned, and was marked spam since,
// has no published comment, so the learned rule's spam verdict stands in
// the replay instead of being held as a regular reader's would be.
func TestBacktestAsksTheStoreWhoIsKnown(t *testing.T) {
	svc := newService(t, moderation.WithPolicy(policy(learning)))
	ctx := context.Background()
	early := submission("sattaking lucky number pakka kamao bonus winner vip group")
	early.Author = moderation.Author{Name: "Rocky", Email: "rocky@bonus.example"}
	res, err := svc.Submit(ctx, early)
	if err != nil {
		t.Fatal(err)
	}
	if res.Comment.Status == moderation.StatusSpam {
		t.Fatalf("before any decision the comment is already spam: %+v", res.Comment.Reasons)
	}
	decideAll(t, svc, rand.New(rand.NewPCG(13, 14)), 15)
	if _, err := svc.Moderate(ctx, moderation.Moderation{Actor: "asha", IDs: []string{res.Comment.ID}, Action: moderation.ActionMarkSpam}); err != nil {
		t.Fatal(err)
	}
	rep, err := svc.Backtest(ctx, moderation.BacktestRequest{Site: "news", Since: time.Now().Add(-time.Hour), Examples: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rep.Examples, func(ex moderation.BacktestExample) bool { return ex.ID == res.Comment.ID })
	if i < 0 || rep.Examples[i].To != moderation.StatusSpam {
		t.Fatalf("the spammer's early comment in the replay: %+v; want it filed as spam by the learned rule", rep.Examples)
	}
}
