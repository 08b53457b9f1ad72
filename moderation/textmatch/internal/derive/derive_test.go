package derive

import "testing"

func TestKey(t *testing.T) {
	tests := []struct {
		r    rune
		want string
	}{
		{'A', "a"},
		{'m', "m"},     // ASCII is never mapped ("rn" is its prototype)
		{'ⅿ', "m"},     // anchored back to ASCII
		{'с', "c"},     // Cyrillic
		{'ｃ', "c"},     // full width
		{'ß', "ss"},    // full case folding
		{'\u200B', ""}, // ignorable
		{'\u200D', ""}, // joiners only choose a glyph form
		{'\u200C', ""},
		{'\r', ""},      // controls render as nothing
		{'\n', " "},     // line feed is white space
		{'\u2800', ""},  // braille blank
		{'\u0640', ""},  // tatweel
		{'\u0301', ""},  // Latin diacritics are folded
		{'\u0130', "i"}, // İ: i and a dropped dot above
		{'ć', "c"},
		{'ø', "o"}, // a fused mark
		{'ᴄ', "c"}, // small capitals
		{'ɴ', "n"},
		{'ᶦ', "i"},           // modifier small capital, through ɪ
		{0x1F152, "c"},       // negative circled
		{0x1F172, "c"},       // negative squared
		{0x249E, "c"},        // parenthesized, not "(c)"
		{0x1F1E8, " c "},     // regional indicator: spaced
		{0x2776, "1"},        // dingbat negative circled digit
		{0x1DDB, ""},         // a combining small capital is a mark, folded
		{'\u00A0', " "},      // white space
		{'\u0903', "\u0903"}, // visarga: a mark, not ':'
		{'\u0964', "\u0964"}, // danda stays punctuation
		{'\u0967', "\u0967"}, // Devanagari one: not Arabic-Indic nine
		{'\u0966', "\u0966"}, // Devanagari zero: a digit, not 'o'
		{'\u093C', ""},       // nukta is folded
		{'\u0901', "\u0901"}, // candrabindu keeps its form
		{'\u0902', "\u0902"}, // anusvara
		{'\u094D', "\u094D"}, // virama
		{'\u093F', "\u093F"}, // vowel sign i
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
