package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

// BenchCreateComment measures durable inserts one at a time and from many
// concurrent submitters, of published comments and of held ones (which
// also append to the queue's log). Every store runs the same workload, so
// their numbers compare. open returns a store on a fresh database and
// closes it when b ends.
func BenchCreateComment(b *testing.B, open func(b *testing.B) Store) {
	for _, run := range []struct {
		name   string
		par    int
		status moderation.Status
	}{
		{"submitters=1", 1, moderation.StatusPublished},
		{"submitters=64", 64, moderation.StatusPublished},
		{"held/submitters=1", 1, moderation.StatusPending},
		{"held/submitters=64", 64, moderation.StatusPending},
	} {
		par := run.par
		b.Run(run.name, func(b *testing.B) {
			s := open(b)
			var n atomic.Int64
			now := time.Now().UTC()
			b.SetParallelism(par)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					c := moderation.Comment{
						ID: fmt.Sprintf("c-%d", i), Site: "s", ArticleID: fmt.Sprintf("a-%d", i%50),
						Author:    moderation.Author{Name: "प्रिया शर्मा", Email: "priya@example.in"},
						Body:      "बहुत अच्छा लेख, धन्यवाद! A very good article, thank you.",
						RequestID: fmt.Sprintf("r-%d", i), Status: run.status,
						CreateTime: now, UpdateTime: now,
					}
					if _, _, err := s.CreateComment(context.Background(), c); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchListComments measures reading a page of comments, the full and
// the public projection, so that the cost of a row's scan shows. open
// returns a store on a fresh database and closes it when b ends.
func BenchListComments(b *testing.B, open func(b *testing.B) Store) {
	const pageSize = 50
	s := open(b)
	ctx := context.Background()
	for i := range 2 * pageSize {
		c := fullComment(fmt.Sprintf("c-%03d", i))
		c.ArticleID, c.Status = "a", moderation.StatusPublished
		c.CreateTime = at(i)
		if _, _, err := s.CreateComment(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	for _, public := range []bool{false, true} {
		b.Run(fmt.Sprintf("public=%v", public), func(b *testing.B) {
			f := moderation.Filter{
				Statuses: []moderation.Status{moderation.StatusPublished}, Site: site, ArticleID: "a",
				Limit: pageSize, Public: public,
			}
			b.ReportAllocs()
			for b.Loop() {
				cs, err := s.ListComments(ctx, f)
				if err != nil || len(cs) != pageSize {
					b.Fatalf("ListComments: %d comments, %v", len(cs), err)
				}
			}
		})
	}
}
