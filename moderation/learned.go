package moderation

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/commentd/commentd/moderation/learn"
	"github.com/commentd/commentd/moderation/links"
	"github.com/commentd/commentd/moderation/textmatch/translit"
)

// LearnedRule configures the learned rule: a per-site classifier trained by
// every moderator decision (MARK_SPAM is spam, APPROVE is ham, REJECT
// takes a comment's label back) that weighs in like the other rules.
type LearnedRule struct {
	// Enabled turns the rule on. It abstains anyway until a site has
	// MinSpam spam and MinHam ham decisions.
	Enabled bool `yaml:"enabled"`
	MinSpam int  `yaml:"min_spam"`
	MinHam  int  `yaml:"min_ham"`
	// At SpamAbove or more the comment is spam, unless an ALLOW term
	// matched or the author has a published comment on the site: then it
	// is held.
	SpamAbove float64 `yaml:"spam_above"`
	// At HamBelow or less the rule vouches for the comment: holds that are
	// only a hint — the link count and the heuristics' score — are lifted.
	// Word lists, bans, patterns, rate limits and the first-time hold are
	// never lifted.
	HamBelow float64 `yaml:"ham_below"`
	// In between, the rule scores Weight × (2p − 1) toward the hold and
	// spam thresholds when p is over one half.
	Weight float64 `yaml:"weight"`
}

// DefaultLearnedRule is on, speaks after 50 decisions of each kind, files
// as spam at 99% and vouches at 1%.
func DefaultLearnedRule() LearnedRule {
	return LearnedRule{Enabled: true, MinSpam: 50, MinHam: 50, SpamAbove: 0.99, HamBelow: 0.01, Weight: 4}
}

func (r LearnedRule) validate() error {
	switch {
	case r.MinSpam < 1 || r.MinHam < 1:
		return fmt.Errorf("learned.min_spam and learned.min_ham must be at least 1")
	case !(0 < r.HamBelow && r.HamBelow < 0.5 && 0.5 < r.SpamAbove && r.SpamAbove <= 1):
		return fmt.Errorf("learned: want 0 < ham_below < 0.5 < spam_above <= 1")
	case r.Weight < 0:
		return fmt.Errorf("learned.weight must not be negative")
	}
	return nil
}

// learnPoll is how often a replica reads the label changes of every
// replica: a decision changes every replica's next verdict within it.
const learnPoll = time.Second

// softHolds are the rules the learned rule may lift when it vouches for a
// comment: hints, not a moderator's or a site's explicit wish.
var softHolds = map[string]bool{"links": true}

// learnScratch is the learned rule's working memory for one comment,
// reused through learnScratches: a 1 KB comment has hundreds of features,
// and a request's goroutine should not grow its stack for them.
type learnScratch struct {
	in    learn.Input
	texts []learn.Text
	hosts []string
	feats []learn.Feature
	toks  []learn.Token
	clues []learn.Clue
}

var learnScratches = sync.Pool{New: func() any { return new(learnScratch) }}

// features fills the scratch with what the learned rule sees of a
// submission — the match keys of the body and the name, the email's
// domain, the hosts of the body's links and of the author's URL — and
// their features and tokens.
func (sc *learnScratch) features(s Submission, k *keys, found []links.Link) {
	body := k[fieldIndex("body")].String()
	sc.texts = append(sc.texts[:0],
		learn.Text{Field: "body", Key: body, Pairs: true},
		learn.Text{Field: "name", Key: k[fieldIndex("name")].String()})
	if at := strings.LastIndexByte(s.Author.Email, '@'); at >= 0 {
		sc.texts = append(sc.texts, learn.Text{Field: "email", Key: strings.ToLower(s.Author.Email[at+1:])})
	}
	sc.hosts = sc.hosts[:0]
	for _, l := range found {
		sc.hosts = append(sc.hosts, l.Host)
	}
	if u, ok := links.FromURL(s.Author.URL); ok && u.Host != "" {
		sc.hosts = append(sc.hosts, "url:"+u.Host)
	}
	sc.in = learn.Input{Texts: sc.texts, Spell: spell, Hosts: sc.hosts}
	sc.feats = learn.Features(sc.in, sc.feats)
	sc.toks = learn.Tokens(sc.feats, sc.toks)
}

// release returns the scratch to the pool, without holding on to the
// comment's text or to a rare giant comment's buffers.
func (sc *learnScratch) release() {
	if cap(sc.feats) > 4096 {
		return
	}
	clear(sc.texts[:cap(sc.texts)])
	clear(sc.hosts[:cap(sc.hosts)])
	sc.in = learn.Input{}
	learnScratches.Put(sc)
}

// spellings remembers the loose spelling of every body word seen,
// process-wide (it depends on the word alone), keyed by the word's hash
// so that a lookup is one integer probe; the entry holds the word, so two
// words with one hash never share a spelling.
var spellings wordCache[uint64, spelling]

type spelling struct {
	word string
	learn.Spelling
}

// spell is the learned rule's learn.Input.Spell: the loose Latin form of
// a word, so that a word learned in one script or spelling counts in the
// others too: "सट्टा", "satta" and "SATTAA" are all "sata".
func spell(word string, hash uint64) learn.Spelling {
	if sp, ok := spellings.get(hash); ok && sp.word == word {
		return sp.Spelling
	}
	var buf [64]byte
	var offs [64]int32
	loose, _ := translit.Loose(buf[:0], offs[:0], word)
	sp := spelling{word: strings.Clone(word), Spelling: learn.Spelling{Text: string(loose)}}
	sp.Tokens = learn.LooseTokens(sp.Text)
	spellings.put(hash, sp)
	return sp.Spelling
}

// learner holds the learned rule's models, one per site, and keeps them
// as the store has them: it loads them at start and then replays the
// label changes every replica records (LearnEvents).
type learner struct {
	store learnStore
	log   *slog.Logger
	now   func() time.Time

	mu     sync.RWMutex
	models map[string]*learn.Model
	seq    int64 // the last event applied
	// follow serialises readers of the event log.
	follow sync.Mutex
}

// learnStore is what the learner reads of the store.
type learnStore interface {
	LearnedModel(ctx context.Context, totals func(site string, spam, ham int), tokens func(site string, t learn.Token, c learn.Counts)) (int64, error)
	LearnEvents(ctx context.Context, after int64, limit int) ([]LearnEvent, error)
	PruneLearnEvents(ctx context.Context, before time.Time) (int64, error)
}

func newLearner(store learnStore, log *slog.Logger, now func() time.Time) *learner {
	return &learner{store: store, log: log, now: now, models: map[string]*learn.Model{}}
}

// modelOptions: the policy's min_spam and min_ham decide when the rule
// speaks (judge), so that a policy reload changes them without rebuilding
// the models; the models themselves abstain only when empty.
func modelOptions() learn.Options {
	o := learn.DefaultOptions()
	o.MinSpam, o.MinHam = 1, 1
	return o
}

// model returns a site's model, nil when the site has none yet.
func (l *learner) model(site string) *learn.Model {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.models[site]
}

func (l *learner) modelLocked(site string) *learn.Model {
	m := l.models[site]
	if m == nil {
		m = learn.NewModel(modelOptions())
		l.models[site] = m
	}
	return m
}

// load reads every site's model from the store.
func (l *learner) load(ctx context.Context) error {
	l.follow.Lock()
	defer l.follow.Unlock()
	models := map[string]*learn.Model{}
	get := func(site string) *learn.Model {
		m := models[site]
		if m == nil {
			m = learn.NewModel(modelOptions())
			models[site] = m
		}
		return m
	}
	seq, err := l.store.LearnedModel(ctx,
		func(site string, spam, ham int) { get(site).AddTotals(spam, ham) },
		func(site string, t learn.Token, c learn.Counts) { get(site).Add(t, c) })
	if err != nil {
		return fmt.Errorf("read the learned model: %w", err)
	}
	l.mu.Lock()
	l.models, l.seq = models, seq
	l.mu.Unlock()
	return nil
}

// catchUp applies the label changes recorded since the last one applied,
// this replica's and every other's.
func (l *learner) catchUp(ctx context.Context) error {
	l.follow.Lock()
	defer l.follow.Unlock()
	for {
		l.mu.RLock()
		after := l.seq
		l.mu.RUnlock()
		evs, err := l.store.LearnEvents(ctx, after, 500)
		if err != nil {
			return fmt.Errorf("read label changes: %w", err)
		}
		l.mu.Lock()
		for _, ev := range evs {
			l.modelLocked(ev.Site).Move(ev.From, ev.Tokens, ev.To, ev.NewTokens)
			l.seq = ev.Seq
		}
		l.mu.Unlock()
		if len(evs) < 500 {
			return nil
		}
	}
}

// learnEventsKept is how long the log of label changes is kept: replicas
// read it within seconds; a replica that starts reads the counts.
const learnEventsKept = 24 * time.Hour

// watch catches up every interval and prunes the log hourly, until ctx
// ends.
func (l *learner) watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	lastPrune := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := l.catchUp(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("following the learned rule's training failed; retrying", "err", err)
		}
		if now := l.now(); now.Sub(lastPrune) >= time.Hour {
			lastPrune = now
			if _, err := l.store.PruneLearnEvents(ctx, now.Add(-learnEventsKept)); err != nil && ctx.Err() == nil {
				l.log.Warn("pruning the learned rule's log failed", "err", err)
			}
		}
	}
}

// judge is the learned rule's reason for a submission, if it has one.
func (l *learner) judge(cfg LearnedRule, site string, s Submission, k *keys, found []links.Link) (Reason, bool) {
	if !cfg.Enabled {
		return Reason{}, false
	}
	m := l.model(site)
	if m == nil {
		return Reason{}, false
	}
	if spam, ham := m.Totals(); spam < cfg.MinSpam || ham < cfg.MinHam {
		return Reason{}, false
	}
	sc := learnScratches.Get().(*learnScratch)
	defer sc.release()
	sc.features(s, k, found)
	v := m.Classify(sc.toks, 8, sc.clues[:0])
	sc.clues = v.Clues
	if v.Abstained {
		return Reason{}, false
	}
	fs := sc.feats
	// Show a moderator the words as written first: a loose spelling says
	// the same thing less plainly.
	slices.SortStableFunc(v.Clues, func(a, b learn.Clue) int {
		return boolInt(fs[a.Index].Kind == learn.Loose) - boolInt(fs[b.Index].Kind == learn.Loose)
	})
	v.Clues = v.Clues[:min(len(v.Clues), 3)]
	spam, ham := m.Totals()
	r := Reason{Rule: "learned", Detail: learnedDetail(v, spam, ham, sc.in, fs)}
	if len(v.Clues) > 0 {
		if f := fs[v.Clues[0].Index]; (f.Kind == learn.Word || f.Kind == learn.Pair) && (f.Text == 0 || f.Text == 1) {
			field := fieldIndex(learnFields[f.Text])
			r.Span = span(field, fieldTexts(s)[field], k[field], int(f.Start), int(f.End))
		}
	}
	switch {
	case v.Prob >= cfg.SpamAbove:
		r.Action = RuleSpam
	case v.Prob <= cfg.HamBelow:
		r.Action = RuleAllow
	default:
		// Scores toward the thresholds when over one half; below, a
		// record of what the rule thought, adding nothing.
		r.Action, r.Score = RuleScore, max(0, cfg.Weight*(2*v.Prob-1))
	}
	return r, true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// learnFields names the texts learnInput makes, by index.
var learnFields = []string{"body", "name", "email"}

// learnedDetail tells a moderator the verdict, what it was learned from
// and the clues that weighed most (strconv, not fmt: it is on every
// submission's path).
func learnedDetail(v learn.Verdict, spam, ham int, in learn.Input, fs []learn.Feature) string {
	b := make([]byte, 0, 192)
	b = strconv.AppendFloat(b, 100*v.Prob, 'f', 1, 64)
	b = append(b, "% spam, learned from "...)
	b = strconv.AppendInt(b, int64(spam), 10)
	b = append(b, " spam and "...)
	b = strconv.AppendInt(b, int64(ham), 10)
	b = append(b, " ham decisions on this site"...)
	for i, c := range v.Clues {
		if i == 0 {
			b = append(b, "; telling: "...)
		} else {
			b = append(b, ", "...)
		}
		f := fs[c.Index]
		switch f.Kind {
		case learn.Word, learn.Pair:
			switch learnFields[f.Text] {
			case "body", "name":
				b = strconv.AppendQuote(b, f.Value(in))
			default:
				b = append(b, "the email's domain"...)
			}
		case learn.Loose:
			b = append(b, "a word spelled "...)
			b = strconv.AppendQuote(b, f.Value(in))
			b = append(b, " in any script"...)
		case learn.LinkHost:
			b = append(b, "link to "...)
			b = append(b, strings.TrimPrefix(f.Value(in), "url:")...)
		case learn.Links:
			b = append(b, f.Value(in)...)
			b = append(b, " links"...)
		case learn.Length:
			b = append(b, "its length"...)
		}
		b = append(b, " ("...)
		b = strconv.AppendFloat(b, c.Prob, 'f', 2, 64)
		b = append(b, ')')
	}
	return string(b)
}

// training returns the label a moderator's action gives a comment, and
// false when the action says nothing of spam (DELETE).
func training(a Action) (learn.Label, bool) {
	switch a {
	case ActionMarkSpam:
		return learn.Spam, true
	case ActionApprove:
		return learn.Ham, true
	case ActionReject:
		return learn.None, true // not spam, not ham: takes a label back
	}
	return learn.None, false
}

// tokensOf returns the learned rule's tokens of a stored comment, computed
// as for a submission.
func (rs *ruleSet) tokensOf(c Comment) []learn.Token {
	sub := Submission{Site: c.Site, ArticleID: c.ArticleID, Author: c.Author, Body: c.Body, Client: c.Client}
	k := rs.keys(sub)
	found := findLinks(sub.Body, nil)
	var sc learnScratch
	sc.features(sub, &k, found)
	return sc.toks
}
