// Package webhook is for a Go site backend that receives commentd's
// webhooks: it checks a delivery's signature before the body is trusted.
//
// commentd signs each attempt with the endpoint's secret:
//
//	Commentd-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//
// Verify it on the raw bytes of the body, before parsing them, and refuse
// old signatures, so that a captured request cannot be replayed later.
// Deliveries are at least once: apply each Commentd-Event-Id once.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery.
const (
	SignatureHeader = "Commentd-Signature"
	EventIDHeader   = "Commentd-Event-Id"
)

// DefaultTolerance is how far from now a signature's time may be: a
// delivery is signed when it is sent, so only clock skew and a slow
// network separate the two.
const DefaultTolerance = 5 * time.Minute

// The reasons Verify refuses a delivery.
var (
	ErrMalformed = errors.New("webhook: the signature header is not t=<unix seconds>,v1=<hex>")
	ErrExpired   = errors.New("webhook: the signature is too old or from the future")
	ErrMismatch  = errors.New("webhook: the signature does not match the body and the secret")
)

// Verify checks header, a Commentd-Signature, against the raw body and
// the endpoint's secret, with a signature time at most tolerance from now.
func Verify(secret, body []byte, header string, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	got, herr := hex.DecodeString(sig)
	if err != nil || herr != nil || len(got) != sha256.Size {
		return ErrMalformed
	}
	if now.Sub(time.Unix(t, 0)).Abs() > tolerance {
		return ErrExpired
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrMismatch
	}
	return nil
}
