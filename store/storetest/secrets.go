package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

func testSecret(t *testing.T, o Opener) {
	s := open(t, o)
	ctx := t.Context()
	// Replicas starting together each offer their own fresh secret; all
	// of them must get the one that was stored.
	got := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			v, err := s.Secret(ctx, "audit", []byte(fmt.Sprintf("fresh-%d", i)))
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	for i, v := range got {
		if len(v) == 0 || !bytes.Equal(v, got[0]) {
			t.Fatalf("replica %d got secret %q, replica 0 %q: want one secret for all", i, v, got[0])
		}
	}
	if v, err := s.Secret(ctx, "other", []byte("another")); err != nil || string(v) != "another" {
		t.Errorf("a second name: %q, %v", v, err)
	}
	s.Close()
	s = open(t, o)
	if v, err := s.Secret(ctx, "audit", []byte("after a restart")); err != nil || !bytes.Equal(v, got[0]) {
		t.Errorf("after reopening: %q, %v; want %q", v, err, got[0])
	}
}
