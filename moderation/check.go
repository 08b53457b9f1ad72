package moderation

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// The range of times the API takes: what a protobuf Timestamp can hold,
// years 1 to 9999 UTC. Both stores keep every time in it; PostgreSQL
// refuses some outside it, SQLite would mangle them.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// checkTime returns the problem with a time a request carries, or "".
// The zero time means "not given" and is accepted.
func checkTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if t.Before(minTime) || t.After(maxTime) {
		return "must be a time between the years 1 and 9999"
	}
	return ""
}

// checkText returns the problem with free text a moderator or a site
// writes (a note, a reason, a filter value), or "": valid UTF-8, no
// control characters but tab and line breaks, at most maxRunes runes.
// Every store must keep such text exactly, and PostgreSQL refuses NUL.
func checkText(s string, maxRunes int) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return fmt.Sprintf("must be at most %d characters, got %d", maxRunes, n)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return "must not contain control characters"
		}
	}
	return ""
}

// CheckCursor returns the problem with a listing position a client sent
// back in a page token, or "". Tokens are opaque but not signed: a forged
// one must get INVALID_ARGUMENT from every store, not an error from the
// one whose time type is narrower.
func CheckCursor(c Cursor) string {
	if c.Time.IsZero() || checkTime(c.Time) != "" {
		return "holds a position outside any listing"
	}
	return ValidateID(c.ID)
}

// visible reports a character that shows something on its own: a letter,
// digit, punctuation mark or symbol that is not one of the fillers that
// render as nothing (the Hangul fillers, the braille blank). Marks need a
// base to show on; spaces, controls and format characters show nothing.
func visible(r rune) bool {
	if r < 0x80 {
		return r > ' ' && r < 0x7F
	}
	return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) &&
		!unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) && r != '\u2800'
}

// hasVisible reports whether s shows anything at all.
func hasVisible(s string) bool {
	for _, r := range s {
		if visible(r) {
			return true
		}
	}
	return false
}
