package moderation

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/commentd/commentd/moderation/links"
	"github.com/commentd/commentd/moderation/textmatch"
)

// RuleConfig is the part of the rules an operator sets in the policy file:
// thresholds, scores, link limits and regular expressions. Word lists and
// bans live in the store instead.
type RuleConfig struct {
	// A comment whose scored rules add up to HoldScore or more is held;
	// to SpamScore or more, filed as spam.
	HoldScore float64 `yaml:"hold_score"`
	SpamScore float64 `yaml:"spam_score"`
	// Leetspeak also folds digits and symbols inside words ("c4s1n0").
	Leetspeak bool `yaml:"leetspeak"`
	// StarterRules adds the shipped word lists and patterns for a
	// Hindi/English news site (betting, loans, crypto, …).
	StarterRules bool `yaml:"starter_rules"`
	// FirstTimeHold holds an author's comments until one is approved.
	FirstTimeHold bool `yaml:"first_time_hold"`

	Links      LinkRules     `yaml:"links"`
	Campaign   CampaignRules `yaml:"campaign"`
	Learned    LearnedRule   `yaml:"learned"`
	Heuristics Heuristics    `yaml:"heuristics"`
	Patterns   []PatternRule `yaml:"patterns"`
}

// LinkRules limit links in a comment body.
type LinkRules struct {
	// Hold holds a comment with this many links or more (WordPress's
	// comment_max_links); 0 turns it off.
	Hold int `yaml:"hold"`
	// AllowDomains never count; BlockDomains file the comment as spam.
	// Subdomains are included.
	AllowDomains []string `yaml:"allow_domains"`
	BlockDomains []string `yaml:"block_domains"`
	// ShortenerScore is added once when a link goes through a shortener.
	ShortenerScore float64 `yaml:"shortener_score"`
}

// CampaignRules find one text posted across articles or authors.
type CampaignRules struct {
	// The same text by Threshold or more authors within Window is spam; on
	// Threshold or more articles by fewer authors it is held, as one reader
	// repeating a text is not a campaign of many. 0 turns it off.
	Threshold int           `yaml:"threshold"`
	Window    time.Duration `yaml:"window"`
	// MinRunes skips short texts ("Nice article!"), which many readers
	// write independently.
	MinRunes int `yaml:"min_runes"`
}

// Heuristics are scores of signs of spam; 0 turns one off.
type Heuristics struct {
	Caps          float64 `yaml:"caps"`            // mostly capital letters
	RepeatedChars float64 `yaml:"repeated_chars"`  // a long run of one character
	LinkOnly      float64 `yaml:"link_only"`       // links and hardly any words
	MixedScript   float64 `yaml:"mixed_script"`    // a word mixing scripts, as in Latin+Cyrillic
	Invisible     float64 `yaml:"invisible"`       // invisible or bidi control characters
	BBCode        float64 `yaml:"bbcode"`          // [url=…] and [link=…]
	Honeypot      float64 `yaml:"honeypot"`        // the hidden form field was filled
	TooFast       float64 `yaml:"too_fast"`        // the form was sent faster than a person types
	NameIsLink    float64 `yaml:"name_is_link"`    // the name is a URL or an email
	Obfuscated    float64 `yaml:"obfuscated_link"` // a link written to dodge counters (hxxp, [.])
	// MinFormDuration is the fastest a person fills the form in.
	MinFormDuration time.Duration `yaml:"min_form_duration"`
}

// PatternRule is a regular expression (RE2 syntax, linear time) matched
// against some fields as written; start it with (?i) to ignore case.
// Word lists are the tool against disguised words; patterns are for shapes
// such as phone numbers, which the match key would fold away.
type PatternRule struct {
	ID      string  `yaml:"id"`
	Pattern string  `yaml:"pattern"`
	Action  string  `yaml:"action"` // hold, spam, score or shadow
	Score   float64 `yaml:"score"`
	// Fields defaults to ["body"]; any of name, email, url, body, ip,
	// user_agent.
	Fields []string `yaml:"fields"`
	// Detail explains the rule to moderators.
	Detail string `yaml:"detail"`
	// Requires, when set, runs the pattern only on fields whose match key
	// contains one of these words (so case and look-alikes do not matter):
	// a cheap test that spares most comments a regular-expression scan.
	Requires []string `yaml:"requires"`
}

// DefaultRuleConfig holds what WordPress, Coral and isso users expect:
// two links hold (WordPress's comment_max_links), first-time authors are
// held until one comment is approved, and the scored heuristics add up
// toward a hold and a higher spam threshold.
func DefaultRuleConfig() RuleConfig {
	return RuleConfig{
		HoldScore:     3,
		SpamScore:     6,
		StarterRules:  true,
		FirstTimeHold: true,
		Links:         LinkRules{Hold: 2, ShortenerScore: 1.5},
		Campaign:      CampaignRules{Threshold: 3, Window: time.Hour, MinRunes: 40},
		Learned:       DefaultLearnedRule(),
		Heuristics: Heuristics{
			Caps: 1.5, RepeatedChars: 1, LinkOnly: 2.5, MixedScript: 2, Invisible: 1.5,
			BBCode: 3, Honeypot: 6, TooFast: 2, NameIsLink: 2, Obfuscated: 1, MinFormDuration: 3 * time.Second,
		},
	}
}

// fields a rule may look at, in the order reasons report them.
var ruleFields = [...]string{"name", "email", "url", "body", "ip", "user_agent"}

func fieldIndex(name string) int {
	for i, f := range ruleFields {
		if f == name {
			return i
		}
	}
	return -1
}

func fieldTexts(s Submission) [len(ruleFields)]string {
	return [...]string{s.Author.Name, s.Author.Email, s.Author.URL, s.Body, s.Client.IP, s.Client.UserAgent}
}

// ruleSet is one compiled, immutable set of rules. The service swaps it
// whole when the policy file, a word list or a ban changes.
type ruleSet struct {
	cfg      RuleConfig
	opts     textmatch.Options
	terms    []listedTerm
	matcher  *textmatch.Matcher
	cross    *crossScript // terms in the other script
	patterns []pattern
	bans     banIndex
}

// listedTerm is what a matcher term stands for.
type listedTerm struct {
	list    WordList
	term    string
	starter bool
	site    string // a site's own term: its reasons say so
}

type pattern struct {
	PatternRule
	re       *regexp.Regexp
	action   RuleAction
	fields   []int
	requires []string // match keys
}

// applies reports whether the pattern's required words occur in key.
func (p *pattern) applies(key string) bool {
	if len(p.requires) == 0 {
		return true
	}
	for _, w := range p.requires {
		if strings.Contains(key, w) {
			return true
		}
	}
	return false
}

// compileRules builds a rule set. Errors name the faulty part of the
// configuration; a word-list term that cannot be compiled is an error too
// (UpdateWordList checks terms before storing them).
func compileRules(cfg RuleConfig, words []WordTerm, bans []Ban) (*ruleSet, error) {
	rs := &ruleSet{cfg: cfg, opts: textmatch.Options{Leet: cfg.Leetspeak}}
	for _, w := range words {
		rs.terms = append(rs.terms, listedTerm{list: w.List, term: w.Term, site: w.Site})
	}
	if cfg.StarterRules {
		for _, l := range []struct {
			list  WordList
			terms []string
		}{{ListBlock, starterBlock}, {ListHold, starterHold}} {
			for _, t := range l.terms {
				rs.terms = append(rs.terms, listedTerm{list: l.list, term: t, starter: true})
			}
		}
	}
	texts := make([]string, len(rs.terms))
	for i, t := range rs.terms {
		texts[i] = t.term
	}
	m, err := textmatch.Compile(texts, rs.opts)
	if err != nil {
		return nil, fmt.Errorf("word lists: %w", err)
	}
	rs.matcher = m
	if rs.cross, err = newCrossScript(rs.terms, rs.opts); err != nil {
		return nil, fmt.Errorf("word lists in the other script: %w", err)
	}

	all := cfg.Patterns
	if cfg.StarterRules {
		all = append(append([]PatternRule(nil), starterPatterns...), all...)
	}
	for i, p := range all {
		cp, err := compilePattern(p, rs.opts)
		if err != nil {
			return nil, fmt.Errorf("patterns[%d] (%s): %w", i, p.ID, err)
		}
		rs.patterns = append(rs.patterns, cp)
	}
	rs.bans = newBanIndex(bans, rs.opts)
	return rs, nil
}

func compilePattern(p PatternRule, opts textmatch.Options) (pattern, error) {
	cp := pattern{PatternRule: p}
	if p.ID == "" {
		return cp, fmt.Errorf("id is required")
	}
	re, err := regexp.Compile(p.Pattern)
	if err != nil {
		return cp, fmt.Errorf("pattern: %w", err)
	}
	cp.re = re
	for _, w := range p.Requires {
		key := textmatch.Normalize(w, opts).String()
		if strings.TrimSpace(key) == "" {
			return cp, fmt.Errorf("requires has an empty word")
		}
		cp.requires = append(cp.requires, key)
	}
	switch p.Action {
	case "hold":
		cp.action = RuleHold
	case "spam":
		cp.action = RuleSpam
	case "score":
		cp.action = RuleScore
		if p.Score == 0 {
			return cp, fmt.Errorf("action score needs a score")
		}
	case "shadow":
		// On trial: its reason shows where it would have fired, and
		// decide ignores it.
		cp.action = RuleShadow
	default:
		return cp, fmt.Errorf("action must be hold, spam, score or shadow, got %q", p.Action)
	}
	fields := p.Fields
	if len(fields) == 0 {
		fields = []string{"body"}
	}
	for _, f := range fields {
		i := fieldIndex(f)
		if i < 0 {
			return cp, fmt.Errorf("unknown field %q (want name, email, url, body, ip or user_agent)", f)
		}
		cp.fields = append(cp.fields, i)
	}
	return cp, nil
}

// CheckRuleConfig compiles cfg alone, to refuse a bad policy file before
// it replaces a good one.
func CheckRuleConfig(cfg RuleConfig) error {
	switch {
	case cfg.HoldScore <= 0 || cfg.SpamScore < cfg.HoldScore:
		return fmt.Errorf("hold_score must be positive and spam_score at least hold_score")
	case cfg.Links.Hold < 0 || cfg.Campaign.Threshold < 0 || cfg.Campaign.MinRunes < 0:
		return fmt.Errorf("links.hold, campaign.threshold and campaign.min_runes must not be negative")
	case cfg.Campaign.Threshold > 0 && cfg.Campaign.Window < time.Second:
		return fmt.Errorf("campaign.window must be at least 1s")
	}
	if cfg.Learned.Enabled {
		if err := cfg.Learned.validate(); err != nil {
			return err
		}
	}
	_, err := compileRules(cfg, nil, nil)
	return err
}

// keys are the match keys of a submission's fields, built once.
type keys [len(ruleFields)]textmatch.Key

func (rs *ruleSet) keys(s Submission) keys {
	var k keys
	for i, t := range fieldTexts(s) {
		if t != "" {
			k[i] = textmatch.Normalize(t, rs.opts)
		}
	}
	return k
}

// span reports a key match as a span of the original field.
func span(field int, text string, k textmatch.Key, start, end int) *Span {
	s, e := k.Source(start, end)
	return &Span{Field: ruleFields[field], Start: s, End: e, Text: text[s:e]}
}

// fieldViews are the views of a submission's fields (see view), with
// their match keys; most fields have none.
type fieldViews struct {
	views [len(ruleFields)][]view
	keys  [len(ruleFields)][]textmatch.Key
}

func (rs *ruleSet) views(texts [len(ruleFields)]string) fieldViews {
	var fv fieldViews
	for f, t := range texts {
		if t == "" {
			continue
		}
		fv.views[f] = viewsOf(t)
		for _, v := range fv.views[f] {
			fv.keys[f] = append(fv.keys[f], textmatch.Normalize(v.text, rs.opts))
		}
	}
	return fv
}

// A reading is one text rules match in a field: the field as written
// (view 0) or one of its views.
type reading struct {
	field, view int
}

// key returns the match key of a reading.
func (fv *fieldViews) key(k *keys, r reading) textmatch.Key {
	if r.view == 0 {
		return k[r.field]
	}
	return fv.keys[r.field][r.view-1]
}

// span reports bytes [start, end) of a reading's text as a span of the
// field.
func (fv *fieldViews) span(texts *[len(ruleFields)]string, r reading, start, end int) *Span {
	if r.view > 0 {
		start, end = fv.views[r.field][r.view-1].source(start, end)
	}
	return &Span{Field: ruleFields[r.field], Start: start, End: end, Text: texts[r.field][start:end]}
}

// keySpan reports a match in a reading's key as a span of the field.
func (fv *fieldViews) keySpan(texts *[len(ruleFields)]string, k *keys, r reading, start, end int) *Span {
	s, e := fv.key(k, r).Source(start, end)
	return fv.span(texts, r, s, e)
}

// in names the reading for a reason's detail: "" for the field as written.
func (fv *fieldViews) in(r reading) string {
	if r.view == 0 {
		return ""
	}
	return " " + fv.views[r.field][r.view-1].how
}

type termHit struct {
	term int
	reading
	start, end int
	cross      bool // found in the other script
}

// evaluate runs the content rules (word lists, patterns, links and the
// heuristics) and returns their reasons.
func (rs *ruleSet) evaluate(s Submission, k *keys) []Reason {
	return rs.assess(s, k).reasons
}

// assessment is what the content rules found in a submission.
type assessment struct {
	reasons []Reason
	links   []links.Link // the body's, which the learned rule counts too
	allowed bool         // an ALLOW term matched, whatever it covered
}

// assess is evaluate with what the learned rule needs of it.
func (rs *ruleSet) assess(s Submission, k *keys) assessment {
	var reasons []Reason
	texts := fieldTexts(s)
	views := rs.views(texts)
	fv := &views

	// Word lists: one pass of one automaton per field and view. A term
	// gives one reason, however many readings it is found in.
	var hits, allows []termHit
	for f := range k {
		if texts[f] == "" {
			continue
		}
		for v := 0; v <= len(fv.views[f]); v++ {
			rd := reading{f, v}
			rs.matcher.Match(fv.key(k, rd), func(term, start, end int) bool {
				h := termHit{term: term, reading: rd, start: start, end: end}
				if rs.terms[term].list == ListAllow {
					allows = append(allows, h)
				} else {
					hits = append(hits, h)
				}
				return true
			})
		}
	}
	hits, allows = rs.crossHits(k, fv, &texts, hits, allows)
	seen := make(map[int]bool, len(hits))
	for _, h := range hits {
		if seen[h.term] || covered(h, allows) {
			continue
		}
		seen[h.term] = true
		t := rs.terms[h.term]
		r := Reason{Rule: "wordlist_block", Action: RuleSpam, Span: fv.keySpan(&texts, k, h.reading, h.start, h.end)}
		switch t.list {
		case ListHold:
			r.Rule, r.Action = "wordlist_hold", RuleHold
		case ListShadow:
			r.Rule, r.Action = "wordlist_shadow", RuleShadow
		}
		source := "word list"
		switch {
		case t.starter:
			source = "starter list"
		case t.site != "":
			source = "word list of site " + t.site
		}
		r.Detail = fmt.Sprintf("%s term %q (%s) in the %s%s%s", strings.ToUpper(t.list.String()), t.term, source, ruleFields[h.field], fv.in(h.reading), crossDetail(h, r.Span.Text))
		reasons = append(reasons, r)
	}
	for _, a := range allows {
		for _, h := range hits {
			// A covered SHADOW term would not have fired: no reason at all.
			if h.reading == a.reading && a.start <= h.start && h.end <= a.end && !seen[h.term] && rs.terms[h.term].list != ListShadow {
				reasons = append(reasons, Reason{Rule: "wordlist_allow", Action: RuleAllow,
					Span:   fv.keySpan(&texts, k, a.reading, a.start, a.end),
					Detail: fmt.Sprintf("ALLOW term %q covers %q", rs.terms[a.term].term, rs.terms[h.term].term)})
				seen[h.term] = true
			}
		}
	}

	// Patterns: the field as written, then its views; one reason each.
	for i := range rs.patterns {
		p := &rs.patterns[i]
	fields:
		for _, f := range p.fields {
			if texts[f] == "" {
				continue
			}
			for v := 0; v <= len(fv.views[f]); v++ {
				rd := reading{f, v}
				text := texts[f]
				if v > 0 {
					text = fv.views[f][v-1].text
				}
				if !p.applies(fv.key(k, rd).String()) {
					continue
				}
				loc := p.re.FindStringIndex(text)
				if loc == nil {
					continue
				}
				detail := p.Detail
				if detail == "" {
					detail = fmt.Sprintf("matches pattern %s", p.ID)
				}
				reasons = append(reasons, Reason{Rule: "pattern_" + p.ID, Action: p.action, Score: p.Score,
					Detail: detail + fv.in(rd), Span: fv.span(&texts, rd, loc[0], loc[1])})
				break fields
			}
		}
	}

	body, url := fieldIndex("body"), fieldIndex("url")
	found := findLinks(texts[body], fv.views[body])
	reasons = append(reasons, rs.linkReasons(found, urlLinks(texts[url], fv.views[url]))...)
	reasons = append(reasons, rs.heuristics(s, found)...)
	return assessment{reasons: reasons, links: found, allowed: len(allows) > 0}
}

// findLinks returns the links in text and in its views, in order. A link
// a view reveals counts as obfuscated; one the text shows as it is (same
// place, same host) is not counted twice.
func findLinks(text string, views []view) []links.Link {
	if text == "" {
		return nil
	}
	return mergeLinks(text, links.Find(text), views)
}

// mergeLinks adds to found the links in views that found does not hold.
func mergeLinks(text string, found []links.Link, views []view) []links.Link {
	n := len(found)
	for _, v := range views {
		for _, l := range links.Find(v.text) {
			l.Start, l.End = v.source(l.Start, l.End)
			l.Text, l.Obfuscated = text[l.Start:l.End], true
			if !slices.ContainsFunc(found, func(o links.Link) bool {
				return o.Host == l.Host && o.Start < l.End && l.Start < o.End
			}) {
				found = append(found, l)
			}
		}
	}
	if len(found) > n {
		slices.SortStableFunc(found, func(a, b links.Link) int { return a.Start - b.Start })
	}
	return found
}

// urlLinks returns the link the author's URL is, and the links its views
// reveal. The field is one validated URL, so it is parsed rather than
// searched: a search costs about a microsecond a byte.
func urlLinks(text string, views []view) []links.Link {
	var found []links.Link
	if l, ok := links.FromURL(text); ok {
		found = append(found, l)
	}
	if len(views) == 0 {
		return found
	}
	return mergeLinks(text, found, views)
}

// covered reports whether an ALLOW match in the same reading contains h.
func covered(h termHit, allows []termHit) bool {
	for _, a := range allows {
		if a.reading == h.reading && a.start <= h.start && h.end <= a.end {
			return true
		}
	}
	return false
}

// linkReasons judges the body's links and the author's URL. Both go
// through the same rules, each reason pointing into its own field, but
// only the body's links count toward links.hold: WordPress's check_comment
// counts the links in the comment text and leaves the author's URL to a
// filter, and a reader with a homepage who cites one source is no spammer.
func (rs *ruleSet) linkReasons(body, url []links.Link) []Reason {
	if len(body) == 0 && len(url) == 0 {
		return nil
	}
	var reasons []Reason
	var counted []string
	for _, fl := range [...]struct {
		field, what string
		found       []links.Link
	}{{"body", "", body}, {"url", "the author's URL: ", url}} {
		shortener := false
		for _, l := range fl.found {
			if anyDomain(l.Host, rs.cfg.Links.AllowDomains) {
				continue
			}
			if fl.field == "body" {
				counted = append(counted, l.Host)
			}
			sp := &Span{Field: fl.field, Start: l.Start, End: l.End, Text: l.Text}
			if d := firstDomain(l.Host, rs.cfg.Links.BlockDomains); d != "" {
				reasons = append(reasons, Reason{Rule: "link_domain_block", Action: RuleSpam,
					Detail: fmt.Sprintf("%slinks to %s, a blocked domain", fl.what, l.Host), Span: sp})
			}
			if !shortener && rs.cfg.Links.ShortenerScore > 0 && links.IsShortener(l.Host) {
				shortener = true
				reasons = append(reasons, Reason{Rule: "url_shortener", Action: RuleScore, Score: rs.cfg.Links.ShortenerScore,
					Detail: fmt.Sprintf("%slink through the URL shortener %s hides where it goes", fl.what, l.Host), Span: sp})
			}
			if l.Obfuscated && rs.cfg.Heuristics.Obfuscated > 0 {
				reasons = append(reasons, Reason{Rule: "obfuscated_link", Action: RuleScore, Score: rs.cfg.Heuristics.Obfuscated,
					Detail: fmt.Sprintf("%slink written to dodge filters: %q is %s", fl.what, l.Text, l.URL), Span: sp})
			}
		}
	}
	if max := rs.cfg.Links.Hold; max > 0 && len(counted) >= max {
		reasons = append(reasons, Reason{Rule: "links", Action: RuleHold,
			Detail: fmt.Sprintf("%d links (comments with %d or more are held): %s", len(counted), max, strings.Join(counted, ", "))})
	}
	return reasons
}

func anyDomain(host string, domains []string) bool { return firstDomain(host, domains) != "" }

func firstDomain(host string, domains []string) string {
	for _, d := range domains {
		if links.MatchesDomain(host, d) {
			return d
		}
	}
	return ""
}
