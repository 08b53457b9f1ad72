package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/commentd/commentd/moderation"
)

// Page tokens are opaque to clients: a format byte, a fingerprint of the
// listing they belong to (method and filters), and the keyset position.
// A token from another listing (say, another article's) fails the
// fingerprint check; a hand-made token can at most move the position within
// the listing it names, which shows nothing the listing would not.

const tokenFormat = 1

// listing fingerprints a listing: the method and every filter that shapes
// its result. Page size is left out so clients may change it between pages.
func listing(parts ...string) [8]byte {
	h := sha256.New()
	for _, p := range parts {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write([]byte(p))
	}
	var fp [8]byte
	copy(fp[:], h.Sum(nil))
	return fp
}

func encodeToken(fp [8]byte, c *moderation.Cursor) string {
	if c == nil {
		return ""
	}
	b := make([]byte, 0, 1+8+binary.MaxVarintLen64+len(c.ID))
	b = append(b, tokenFormat)
	b = append(b, fp[:]...)
	b = binary.AppendVarint(b, c.Time.UnixMicro())
	b = append(b, c.ID...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken returns nil for an empty token (the first page).
func decodeToken(fp [8]byte, tok string) (*moderation.Cursor, error) {
	if tok == "" {
		return nil, nil
	}
	bad := invalid(moderation.FieldViolation{
		Field:       "page_token",
		Description: "is not a page token of this listing; pass next_page_token from the previous page with the same filters",
	})
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 1+8+1 || b[0] != tokenFormat || !bytes.Equal(b[1:9], fp[:]) {
		return nil, bad
	}
	micros, n := binary.Varint(b[9:])
	if n <= 0 {
		return nil, bad
	}
	c := &moderation.Cursor{Time: time.UnixMicro(micros).UTC(), ID: string(b[9+n:])}
	if moderation.CheckCursor(*c) != "" {
		return nil, bad
	}
	return c, nil
}

// Resume tokens of WatchQueue are a position in the queue's log, which
// is one for every replica and every filter: a format byte and the
// position. A hand-made token can only name another position, which
// shows nothing the watcher could not watch.
const resumeFormat = 2

func encodeResume(seq int64) string {
	b := binary.AppendUvarint([]byte{resumeFormat}, uint64(seq))
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeResume returns the position a token names; ok is false for an
// empty token (from now).
func decodeResume(tok string) (seq int64, ok bool, err error) {
	if tok == "" {
		return 0, false, nil
	}
	b, derr := base64.RawURLEncoding.DecodeString(tok)
	var n int
	var u uint64
	if derr == nil && len(b) > 1 && b[0] == resumeFormat {
		u, n = binary.Uvarint(b[1:])
	}
	if n <= 0 || 1+n != len(b) || u > 1<<62 {
		return 0, false, invalid(moderation.FieldViolation{
			Field:       "resume_token",
			Description: "is not a resume token: pass the resume_token of the last message received",
		})
	}
	return int64(u), true, nil
}
