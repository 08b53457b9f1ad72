package moderation

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation/learn"
)

// BenchmarkLearnedRule is the learned rule's cost on the 1 KB comments of
// BenchmarkRules, beside a model trained on 2,000 decisions of a 20,000-word
// vocabulary: features of the match keys (with their loose forms), and the
// verdict with its evidence.
func BenchmarkLearnedRule(b *testing.B) {
	rs, err := compileRules(DefaultRuleConfig(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 20000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%d", i)
	}
	m := learn.NewModel(modelOptions())
	for i := range 2000 {
		var body strings.Builder
		for range 40 {
			body.WriteString(vocab[r.IntN(len(vocab))] + " ")
		}
		label := learn.Ham
		if i%2 == 0 {
			label = learn.Spam
		}
		m.Learn(rs.tokensOf(Comment{Site: "s", Author: Author{Name: "Reader", Email: "r@example.in"}, Body: body.String()}), learn.None, label)
	}
	l := newLearner(nil, slog.Default(), time.Now)
	l.models["s"] = m
	cfg := DefaultLearnedRule()
	for _, lang := range []string{"english", "hindi", "mixed"} {
		sub := comment(comments1KB[lang])
		sub.Site = "s"
		k := rs.keys(sub)
		found := rs.assess(sub, &k).links
		b.Run(lang, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(sub.Body)))
			for b.Loop() {
				if _, ok := l.judge(cfg, "s", sub, &k, found); !ok {
					b.Fatal("the rule abstained")
				}
			}
		})
	}
}
