package webhook_test

import (
	"io"
	"log"
	"net/http"
	"time"

	"github.com/commentd/commentd/client/webhook"
)

// A site's receiver: read the raw body, verify it, apply the event once.
func Example() {
	secret := []byte("the endpoint's secret, as in commentd's policy file")
	http.HandleFunc("POST /commentd/events", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := webhook.Verify(secret, body, r.Header.Get(webhook.SignatureHeader), time.Now(), webhook.DefaultTolerance); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		log.Printf("event %s: %s", r.Header.Get(webhook.EventIDHeader), body) // apply each id once
		w.WriteHeader(http.StatusNoContent)
	})
}
