package moderation_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/store/sqlite"
)

// BenchmarkBacktest100k replays 100,000 stored comments of about 500
// bytes each from a SQLite file: go test -run '^$' -bench Backtest100k.
func BenchmarkBacktest100k(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	clk := newClock()
	svc := newServiceOn(b, st, clk.Option())
	start := clk.Now()
	filler := strings.Repeat("The monsoon session's farm bills deserve a closer reading, clause by clause. ", 6)
	for i := range 100_000 {
		clk.Advance(time.Second)
		c := moderation.Comment{
			ID: fmt.Sprintf("c%06d", i), Site: "news", ArticleID: fmt.Sprintf("a%d", i%500),
			Author: moderation.Author{Name: fmt.Sprintf("Reader %d", i), Email: fmt.Sprintf("r%d@example.in", i)},
			Body:   fmt.Sprintf("%s point %d, and https://news.example/%d", filler, i, i),
			Client: moderation.Client{IP: "203.0.113.7", UserAgent: "Mozilla/5.0"},
			Status: moderation.StatusPublished, InitialStatus: moderation.StatusPublished,
			AuthorKey: fmt.Sprintf("k%d", i), BodyFingerprint: fmt.Sprintf("f%d", i),
			CreateTime: clk.Now(), UpdateTime: clk.Now(),
		}
		if _, _, err := st.CreateComment(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	clk.Advance(time.Minute)
	req := moderation.BacktestRequest{Site: "news", Since: start,
		Changes: []moderation.WordListChange{{List: moderation.ListBlock, Add: []string{"monsoon"}}}}
	b.ResetTimer()
	for b.Loop() {
		rep, err := svc.Backtest(ctx, req, nil)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Replayed != 100_000 || rep.Moved != 100_000 {
			b.Fatalf("replayed %d, moved %d", rep.Replayed, rep.Moved)
		}
	}
}
