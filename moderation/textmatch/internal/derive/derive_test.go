package derive

import "testing"

func TestKey(t *testing.T) {
	tests := []struct {
		r    rune
		want string
	}{
		{'A', "a"},
		{'m', "m"},           // ASCII is never mapped ("rn" is its prototype)
		{'ⅿ', "m"},           // anchored back to ASCII
		{'с', "c"},           // Cyrillic
		{'ｃ', "c"},           // full width
		{'ß', "ss"},          // full case folding
		{'\u200B', ""},       // ignorable
		{'\u200D', "\u200D"}, // kept here; textmatch decides by context
		{'\u00A0', " "},      // white space
		{'\u0903', "\u0903"}, // visarga: a mark, not ':'
		{'\u0964', "\u0964"}, // danda stays punctuation
		{'\u0967', "\u0967"}, // Devanagari one: not Arabic-Indic nine
		{'\u0966', "\u0966"}, // Devanagari zero: a digit, not 'o'
		{'\u093C', "\u093C"}, // nukta keeps its combining class
		{'\u0BCD', "\u0BCD"}, // viramas are never mapped
		{'\u2014', "\u2014"}, // em dash is not a Katakana letter
		{'\u2022', "\u00B7"}, // bullet → middle dot, both punctuation
		{0xAB70, "d"},        // Cherokee small letter, through the fold two-cycle
		{0x13A0, "d"},
	}
	for _, tt := range tests {
		got, err := Key(tt.r)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("Key(%U) = %+q, want %+q", tt.r, got, tt.want)
		}
	}
}

func TestIsIgnorable(t *testing.T) {
	for _, r := range []rune{0x00AD, 0x200B, 0x200E, 0x202E, 0x2060, 0x2066, 0xFE0F, 0xFEFF, 0xE0001, 0x034F} {
		if !IsIgnorable(r) {
			t.Errorf("%U should be ignorable", r)
		}
	}
	for _, r := range []rune{' ', 'a', 0x0600, 0xFFF9, 0x0903} {
		if IsIgnorable(r) {
			t.Errorf("%U should not be ignorable", r)
		}
	}
}
