package learn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// comment returns the features of a body (already a match key: lower
// case) with its link hosts.
func comment(body string, hosts ...string) []Feature {
	return Features(Input{Texts: []Text{{Field: "body", Key: body, Pairs: true}}, Hosts: hosts}, nil)
}

func train(m *Model, l Label, bodies ...string) {
	for _, b := range bodies {
		m.Learn(Tokens(comment(b), nil), None, l)
	}
}

// Made-up comments of a Hindi/English news site: spam in three scripts
// and spellings, ham about the news.
var (
	spamWords = []string{"satta", "matka", "king", "result", "सट्टा", "मटका", "किंग", "रिजल्ट", "betting", "id", "whatsapp",
		"paisa", "double", "पैसा", "डबल", "loan", "instant", "earn", "daily", "join", "telegram", "channel", "jackpot", "100%"}
	hamWords = []string{"budget", "sarkar", "बजट", "सरकार", "किसान", "kisan", "report", "acchi", "अच्छी", "रिपोर्ट", "thanks",
		"article", "लेख", "बहुत", "bahut", "sahi", "सही", "baat", "बात", "match", "india", "भारत", "team", "जीत"}
	common = []string{"hai", "है", "ki", "की", "ke", "के", "aur", "और", "the", "is", "and", "to", "में", "mein", "se", "से", "ye", "यह"}
)

func body(r *rand.Rand, words []string) string {
	var b strings.Builder
	for i := range 12 + r.IntN(20) {
		if i > 0 {
			b.WriteByte(' ')
		}
		if r.IntN(3) == 0 {
			b.WriteString(common[r.IntN(len(common))])
		} else {
			b.WriteString(words[r.IntN(len(words))])
		}
	}
	return b.String()
}

func TestLearnsSpamAndHamInEveryScript(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	m := NewModel(DefaultOptions())
	for range 60 {
		train(m, Spam, body(r, spamWords))
		train(m, Ham, body(r, hamWords))
	}
	for _, tc := range []struct {
		body string
		spam bool
	}{
		{"आज का सट्टा किंग रिजल्ट whatsapp पर join करें", true},
		{"satta matka result daily, paisa double guaranteed", true},
		{"instant loan telegram channel join karo", true},
		{"बजट पर बहुत अच्छी रिपोर्ट, धन्यवाद", false},
		{"sahi baat hai, kisan ke liye budget acchi hai", false},
		{"great article about the india team match", false},
	} {
		v := m.Classify(Tokens(comment(tc.body), nil), 3, nil)
		if v.Abstained || (tc.spam && v.Prob < 0.9) || (!tc.spam && v.Prob > 0.1) {
			t.Errorf("%q: %+v, want spam %v", tc.body, v, tc.spam)
		}
		if len(v.Clues) == 0 || len(v.Clues) > 3 {
			t.Errorf("%q: %d clues, want 1 to 3", tc.body, len(v.Clues))
		}
	}
}

func TestAbstainsUntilItKnowsEnough(t *testing.T) {
	o := DefaultOptions()
	o.MinSpam, o.MinHam = 5, 5
	m := NewModel(o)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 5 {
		train(m, Spam, body(r, spamWords))
		if i < 4 {
			train(m, Ham, body(r, hamWords))
		}
	}
	if v := m.Classify(Tokens(comment("satta king result"), nil), 3, nil); !v.Abstained || v.Prob != 0.5 || len(v.Clues) != 0 {
		t.Fatalf("with 4 ham labels: %+v, want an abstention", v)
	}
	train(m, Ham, body(r, hamWords))
	if v := m.Classify(Tokens(comment("satta king result"), nil), 3, nil); v.Abstained || v.Prob < 0.9 {
		t.Fatalf("with 5 of each: %+v, want a confident spam verdict", v)
	}
}

func TestChangingTheLabelMovesTheCounts(t *testing.T) {
	m := NewModel(DefaultOptions())
	toks := Tokens(comment("paisa double karo"), nil)
	m.Learn(toks, None, Spam)
	m.Learn(toks, Spam, Spam) // the same decision again counts nothing
	if s, h := m.Totals(); s != 1 || h != 0 {
		t.Fatalf("after one spam label: %d spam, %d ham", s, h)
	}
	m.Learn(toks, Spam, Ham)
	if s, h := m.Totals(); s != 0 || h != 1 {
		t.Fatalf("after the moderator changed their mind: %d spam, %d ham", s, h)
	}
	for _, tk := range toks {
		if c := m.tokens[tk]; c != (Counts{Ham: 1}) {
			t.Fatalf("token counts %+v, want one ham and no spam", c)
		}
	}
	m.Learn(toks, Ham, None)
	if s, h := m.Totals(); s != 0 || h != 0 || m.Size() != 0 {
		t.Fatalf("after undoing: %d spam, %d ham, %d tokens; want an empty model", s, h, m.Size())
	}
	m.Learn(toks, Ham, None) // a label the model never had: nothing wraps
	if s, h := m.Totals(); s != 0 || h != 0 || m.Size() != 0 {
		t.Fatalf("undoing twice: %d spam, %d ham, %d tokens", s, h, m.Size())
	}
}

func TestFeatures(t *testing.T) {
	key := "satta king satta result " + strings.Repeat("x", 50)
	fs := Features(Input{Texts: []Text{{Field: "body", Key: key, Pairs: true}, {Field: "name", Key: "satta"}},
		Hosts: []string{"bet.example", "bet.example"}}, nil)
	seen := map[Token]bool{}
	var words, pairs, hosts int
	for _, f := range fs {
		if seen[f.Token] {
			t.Fatalf("token of %+v twice", f)
		}
		seen[f.Token] = true
		switch f.Kind {
		case Word:
			words++
		case Pair:
			pairs++
			if got := key[f.Start:f.End]; strings.Count(got, " ") != 1 {
				t.Errorf("pair span %q", got)
			}
		case LinkHost:
			hosts++
		}
	}
	// body: satta king result <long>; name: satta (its own token)
	if words != 5 || pairs != 3 || hosts != 1 {
		t.Errorf("%d words, %d pairs, %d hosts; want 5, 3, 1: %+v", words, pairs, hosts, fs)
	}
	if fs[0].Kind != Word || key[fs[0].Start:fs[0].End] != "satta" {
		t.Errorf("first feature %+v, want the first word", fs[0])
	}
}

func TestCombiningIsBoundedAndSymmetric(t *testing.T) {
	clues := func(p float64, n int) []Clue {
		out := make([]Clue, n)
		for i := range out {
			out[i] = Clue{Index: i, Prob: p}
		}
		return out
	}
	if p := chiCombined(clues(0.99, 150)); p < 0.999 || p > 1 {
		t.Errorf("150 spammy clues: %v", p)
	}
	if p := chiCombined(clues(0.01, 150)); p > 0.001 || p < 0 {
		t.Errorf("150 hammy clues: %v", p)
	}
	if p := chiCombined(append(clues(0.99, 20), clues(0.01, 20)...)); p < 0.45 || p > 0.55 {
		t.Errorf("evenly split clues: %v, want about one half", p)
	}
	if p := chiCombined(nil); p != 0.5 {
		t.Errorf("no clues: %v", p)
	}
}

// BenchmarkClassify: one ~1 KB comment against a model of 50,000 tokens.
func BenchmarkClassify(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	m := NewModel(DefaultOptions())
	vocab := make([]string, 20000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%d", i)
	}
	for range 1000 {
		train(m, Spam, body(r, vocab))
		train(m, Ham, body(r, vocab))
	}
	text := strings.Repeat("बजट पर बहुत अच्छी रिपोर्ट, sahi baat hai kisan ke liye. ", 14)[:1024]
	var fs []Feature
	var toks []Token
	var clues []Clue
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		fs = Features(Input{Texts: []Text{{Field: "body", Key: text, Pairs: true}}, Hosts: []string{"example.com"}}, fs)
		toks = Tokens(fs, toks)
		clues = m.Classify(toks, 5, clues).Clues
	}
}

// However many distinct words moderators decide on, the model holds at
// most 2^TokenBits tokens.
func TestTheModelIsBounded(t *testing.T) {
	m := NewModel(DefaultOptions())
	var b strings.Builder
	for i := range 600_000 { // with their pairs, 1.2 million features
		fmt.Fprintf(&b, "w%d ", i)
		if i%1000 == 999 {
			m.Learn(Tokens(comment(b.String()), nil), None, Spam)
			b.Reset()
		}
	}
	if n := m.Size(); n > 1<<TokenBits {
		t.Fatalf("%d tokens, want at most %d", n, 1<<TokenBits)
	}
}

// The stores keep counts by token: a token must be the same for the same
// feature on every replica and after an upgrade, or a site's model would
// silently forget what it learned. These are the tokens of the first
// release of the learned rule.
func TestTokensAreStable(t *testing.T) {
	asked := map[string]int{}
	spell := func(w string, h uint64) Spelling {
		if h != wordHash('b', w) {
			t.Errorf("Spell(%q) got hash %x", w, h)
		}
		asked[w]++
		loose := collapse(w)
		return Spelling{Text: loose, Tokens: LooseTokens(loose)}
	}
	in := Input{Texts: []Text{{Field: "body", Key: "satta king result आज का नंबर 1234 ab cd king satta", Pairs: true},
		{Field: "name", Key: "raju bhai"}, {Field: "email", Key: "example.in"}},
		Spell: spell, Hosts: []string{"bet.example", "url:x.example"}}
	want := []Token{786048, 506158, 392407, 846044, 67035, 688319, 503326, 64898, 725546, 162291, 79300, 465477,
		40657, 713458, 292912, 72042, 474041, 963393, 508101, 32457, 957677, 1020080, 516753, 332310, 877778,
		659024, 45779, 20662, 99279, 934625, 816774, 60518, 600174, 793674, 853507, 1012051}
	fs := Features(in, nil)
	if got := Tokens(fs, nil); !slices.Equal(got, want) {
		t.Fatalf("tokens\n got %v\nwant %v", got, want)
	}
	if asked["satta"] != 1 || asked["king"] != 1 || asked["raju"] != 0 {
		t.Errorf("Spell asked %v; want once for each distinct body word, never for the name", asked)
	}
	var values []string
	for _, f := range fs {
		values = append(values, f.Value(in))
	}
	wantValues := "satta king satta king result king result आज result आज का आज का नंबर का नंबर 1234 नंबर 1234 ab " +
		"1234 ab cd ab cd cd king king satta raju bhai example in sata king result आज का नंबर 1234 ab cd " +
		"bet.example url:x.example 2 4"
	if got := strings.Join(values, " "); got != wantValues {
		t.Fatalf("values\n got %s\nwant %s", got, wantValues)
	}
}

// collapse makes doubled letters single: a loose spelling for tests.
func collapse(w string) string {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if i == 0 || w[i] != w[i-1] {
			b.WriteByte(w[i])
		}
	}
	return b.String()
}

// The clues a verdict shows are the most telling ones, in order, however
// few are asked for.
func TestCluesAreTheMostTelling(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	m := NewModel(DefaultOptions())
	vocab := make([]string, 300)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%d", i)
	}
	for range 200 {
		train(m, Spam, body(r, vocab[:200]))
		train(m, Ham, body(r, vocab[100:]))
	}
	long := body(r, vocab) + " " + body(r, vocab) + " " + body(r, vocab) + " " + body(r, vocab)
	toks := Tokens(comment(long), nil)
	all := m.Classify(toks, 1000, nil)
	if len(all.Clues) < 20 {
		t.Fatalf("only %d clues; the test needs more", len(all.Clues))
	}
	for _, n := range []int{1, 3, 8, 16, 17} {
		v := m.Classify(toks, n, nil)
		if v.Prob != all.Prob {
			t.Errorf("%d clues: probability %v, with all %v", n, v.Prob, all.Prob)
		}
		if !slices.Equal(v.Clues, all.Clues[:n]) {
			t.Errorf("%d clues: %v, want %v", n, v.Clues, all.Clues[:n])
		}
	}
}
