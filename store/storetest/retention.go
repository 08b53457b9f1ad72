package storetest

import (
	"fmt"
	"testing"

	"github.com/commentd/commentd/moderation"
)

func testEraseClientData(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	for i := 0; i < 5; i++ {
		c := newComment(fmt.Sprintf("old-%d", i), "a", moderation.StatusPublished, at(i))
		c.Client = moderation.Client{IP: "203.0.113.9", UserAgent: "Mozilla/5.0", Referrer: "https://news.example/"}
		mustCreate(t, s, c)
	}
	young := newComment("young", "a", moderation.StatusPending, at(100))
	young.Client = moderation.Client{IP: "203.0.113.10", UserAgent: "Mozilla/5.0"}
	mustCreate(t, s, young)

	// Batches of 2 before at(50): 2, 2, 1, then nothing.
	var got []int64
	for {
		n, err := s.EraseClientData(ctx, at(50), 2)
		if err != nil {
			t.Fatalf("EraseClientData: %v", err)
		}
		got = append(got, n)
		if n == 0 || len(got) > 10 {
			break
		}
	}
	if fmt.Sprint(got) != "[2 2 1 0]" {
		t.Errorf("batches erased %v, want [2 2 1 0]", got)
	}
	for i := 0; i < 5; i++ {
		c, err := s.Comment(ctx, fmt.Sprintf("old-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if c.Client.IP != "" || c.Client.UserAgent != "" || c.Client.Referrer != "https://news.example/" || c.Body == "" {
			t.Errorf("old comment after erasure: %+v; want IP and user agent blank, the rest kept", c.Client)
		}
	}
	c, err := s.Comment(ctx, "young")
	if err != nil || c.Client.IP != "203.0.113.10" || c.Client.UserAgent != "Mozilla/5.0" {
		t.Errorf("young comment: %+v, %v; want its client data kept", c.Client, err)
	}
}
