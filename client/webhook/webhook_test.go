package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/commentd/commentd/client/webhook"
)

// sign is the signature as the webhook section of the README defines it,
// made here by hand.
func sign(secret, body string, t int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.%s", t, body)
	return fmt.Sprintf("t=%d,v1=%s", t, hex.EncodeToString(mac.Sum(nil)))
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_790_000_000, 0)
	body := `{"id":"e1","type":"comment.approved"}`
	good := sign("s3cret", body, now.Unix())
	for _, c := range []struct {
		name         string
		secret, body string
		header       string
		want         error
	}{
		{"signed now", "s3cret", body, good, nil},
		{"spaces after the comma", "s3cret", body, fmt.Sprintf("t=%d, v1=%s", now.Unix(), good[len(fmt.Sprintf("t=%d,v1=", now.Unix())):]), nil},
		{"signed 4 minutes ago", "s3cret", body, sign("s3cret", body, now.Add(-4*time.Minute).Unix()), nil},
		{"signed 6 minutes ago", "s3cret", body, sign("s3cret", body, now.Add(-6*time.Minute).Unix()), webhook.ErrExpired},
		{"signed 6 minutes ahead", "s3cret", body, sign("s3cret", body, now.Add(6*time.Minute).Unix()), webhook.ErrExpired},
		{"another secret", "other", body, good, webhook.ErrMismatch},
		{"a changed body", "s3cret", body + " ", good, webhook.ErrMismatch},
		{"no header", "s3cret", body, "", webhook.ErrMalformed},
		{"no time", "s3cret", body, good[len(fmt.Sprintf("t=%d,", now.Unix())):], webhook.ErrMalformed},
		{"a short signature", "s3cret", body, fmt.Sprintf("t=%d,v1=abcd", now.Unix()), webhook.ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := webhook.Verify([]byte(c.secret), []byte(c.body), c.header, now, webhook.DefaultTolerance)
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}
