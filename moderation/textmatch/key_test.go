package textmatch

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/commentd/commentd/moderation/textmatch/internal/derive"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
		leet     bool
	}{
		// NFKC, case folding, confusables.
		{in: "ｃａｓｉｎｏ", want: "casino"},
		{in: "CASINO", want: "casino"},
		{in: "Straße", want: "strasse"},
		{in: "саsinо", want: "casino"}, // Cyrillic с, а, о
		{in: "РАYРАL", want: "paypal"}, // Cyrillic capitals
		{in: "𝐜𝐚𝐬𝐢𝐧𝐨", want: "casino"},
		{in: "ⅿodern", want: "modern"}, // prototype "rn" anchored back to "m"
		{in: "modern burn rn m", want: "modern burn rn m"},
		{in: "0123456789", want: "0123456789"},
		{in: "é", want: "e"},       // Latin diacritics are folded
		{in: "e\u0301", want: "e"}, // (the evasion table has more)
		// Ignorables and joiners.
		{in: "c\u200Basino", want: "casino"},
		{in: "c\u00ADa\u2060s\uFEFFi\u200En\u202Eo\u2066", want: "casino"},
		{in: "ca\uFE0Fsino", want: "casino"},
		{in: "c\u200Dasino", want: "casino"},
		{in: "क्\u200Dष", want: "क्ष"}, // joiners only choose a glyph form
		{in: "क्\u200Cष", want: "क्ष"},
		{in: "क\u200Dष", want: "कष"},
		{in: "क्\u200B\u200Dष", want: "क्ष"},
		{in: "क़्\u200Dष", want: "क्ष"}, // and the nukta is folded
		// White space.
		{in: "  work  from\n\thome \u00A0", want: "work from home"},
		{in: "a\u3000b\u2028c\u0085d", want: "a bcd"}, // U+2028 and NEL render as nothing
		{in: "a\u3000b\u3000c\u3000d", want: "abcd"},  // four single letters: joined
		{in: "ab\u3000cd", want: "ab cd"},
		// Separator collapsing.
		{in: "v.i.a.g.r.a", want: "viagra"},
		{in: "v i a g r a", want: "viagra"},
		{in: "v-i-a-g-r-a", want: "viagra"},
		{in: "v_i_a_g_r_a", want: "viagra"},
		{in: "v*i*a*g*r*a", want: "viagra"},
		{in: "v/i/a/g/r/a", want: "viagra"},
		{in: "v·i·a·g·r·a", want: "viagra"},
		{in: "v•i•a•g•r•a", want: "viagra"}, // bullet → middle dot (skeleton)
		{in: "c . a . s . i . n . o", want: "casino"},
		{in: "C A S I N O", want: "casino"},
		{in: "Play at c.a.s.i.n.o now", want: "play at casino now"},
		{in: "I am a man", want: "i am a man"},
		{in: "a b testing", want: "a b testing"},
		{in: "a b c testing", want: "abc testing"},
		{in: "v.i-a", want: "v.i-a"},       // kinds differ
		{in: "a b c.d.e", want: "abc.d.e"}, // first run wins
		{in: "x y.z.w", want: "x yzw"},     // y starts the next run
		{in: "U.S.A.", want: "usa."},
		{in: "ए.पी.जे. अब्दुल कलाम", want: "एपीजे. अब्दुल कलाम"},
		{in: "1.2.3.4", want: "1.2.3.4"}, // digits are no letters
		{in: "a, b, c", want: "a, b, c"}, // ',' is no collapsing separator
		// Leetspeak.
		{in: "v1@gr@", want: "viagra", leet: true},
		{in: "v1@gr@", want: "v1@gr@"},
		{in: "h3ll0 w0rld 2024 10:30 $100", want: "hello world 2024 10:30 $100", leet: true},
		{in: "ca$h", want: "cash", leet: true},
		{in: "v 1 a g r a", want: "viagra", leet: true},
		{in: "v 1 a g r a", want: "v 1 agra"},
		{in: "1 3 5", want: "1 3 5", leet: true},
		// Devanagari stays Devanagari.
		{in: "सट्टा खेलो", want: "सट्टा खेलो"},
		{in: "दुःख", want: "दुःख"}, // visarga is not ':'
		{in: "२०२४", want: "२०२४"}, // Devanagari digits stay digits
		{in: "आज", want: "अाज"},    // आ → अ + ा (UTS #39)
		// Invalid UTF-8.
		{in: "a\xffb", want: "a\uFFFDb"},
		{in: "\xe0\xa4", want: "\uFFFD\uFFFD"},
		{in: "", want: ""},
		{in: " \n\t ", want: ""},
	}
	for _, tt := range tests {
		got := Normalize(tt.in, Options{Leet: tt.leet}).String()
		if got != tt.want {
			t.Errorf("Normalize(%+q, leet=%v) = %+q, want %+q", tt.in, tt.leet, got, tt.want)
		}
	}
}

// TestASCIIStable: lower-case ASCII letters, digits and punctuation stand for
// themselves, so ordinary words keep their shape (UTS #39 alone would turn
// "m" into "rn", "0" into "O" and "1" into "l").
func TestASCIIStable(t *testing.T) {
	for c := rune(' '); c < utf8.RuneSelf-1; c++ { // DEL is a control
		if c >= 'A' && c <= 'Z' || c == ' ' {
			continue
		}
		if got := Normalize("x"+string(c)+"yz", Options{}).String(); got != "x"+string(c)+"yz" {
			t.Errorf("%q: key %q", c, got)
		}
	}
	for _, w := range []string{"modern", "burn", "corn", "clear", "willow", "0o0", "l1i", "rnm"} {
		if got := Normalize(w, Options{}).String(); got != w {
			t.Errorf("%q: key %q", w, got)
		}
	}
}

func TestSource(t *testing.T) {
	tests := []struct {
		src, sub string // sub: the key substring to map back
		want     string // the source span
	}{
		{"Play at c.a.s.i.n.o now", "casino", "c.a.s.i.n.o"},
		{"ＣＡＳＩＮＯ", "casino", "ＣＡＳＩＮＯ"},
		{"hi ＣＡＳＩＮＯ!", "casino", "ＣＡＳＩＮＯ"},
		{"c\u200Basino", "casino", "c\u200Basino"},
		{"саsinо", "casino", "саsinо"},
		{"Straße", "ss", "ß"},
		{"Straße", "sse", "ße"},
		{"work  from\nhome", "work from home", "work  from\nhome"},
		{"work  from\nhome", "from", "from"},
		{"आज सट्टा", "सट्टा", "सट्टा"},
		{"आज", "अ", "आ"},
		{"a\xffb", "\uFFFD", "\xff"},
		{"x c . a . s . i . n . o y", "casino", "c . a . s . i . n . o"},
	}
	for _, tt := range tests {
		k := Normalize(tt.src, Options{})
		i := strings.Index(k.String(), tt.sub)
		if i < 0 {
			t.Errorf("%q: key %q lacks %q", tt.src, k, tt.sub)
			continue
		}
		a, b := k.Source(i, i+len(tt.sub))
		if got := tt.src[a:b]; got != tt.want {
			t.Errorf("%q: Source of %q = %q, want %q", tt.src, tt.sub, got, tt.want)
		}
	}
	// Clamping and empty spans.
	k := Normalize("  Abc", Options{})
	if a, b := k.Source(-5, 100); a != 2 || b != 5 {
		t.Errorf("clamped span = %d,%d", a, b)
	}
	if a, b := k.Source(1, 1); a != 3 || b != 3 {
		t.Errorf("empty span = %d,%d", a, b)
	}
	if a, b := k.Source(3, 3); a != 5 || b != 5 {
		t.Errorf("empty span at end = %d,%d", a, b)
	}
	if a, b := (Key{}).Source(0, 1); a != 0 || b != 0 {
		t.Errorf("zero key span = %d,%d", a, b)
	}
}

// TestCanonicalOrder: marks come out in canonical order whatever order they
// were typed in, so both orders match each other.
func TestCanonicalOrder(t *testing.T) {
	// Arabic shadda (ccc 33) and fatha (30), typed in either order. (Latin
	// diacritics would do, but keys drop them.)
	a := Normalize("ب\u0651\u064E", Options{})
	b := Normalize("ب\u064E\u0651", Options{})
	if a.String() != b.String() || a.String() != "ب\u064E\u0651" {
		t.Errorf("keys %+q and %+q", a, b)
	}
	if x, y := a.Source(2, 4); x != 4 || y != 6 {
		t.Errorf("span of the moved fatha = %d,%d", x, y)
	}
	if x, y := a.Source(2, 6); x != 2 || y != 6 {
		t.Errorf("span of the reordered marks = %d,%d", x, y)
	}
	// A flood of marks costs linear time and stays idempotent.
	flood := "ب" + strings.Repeat("\u0651\u064E", 5000)
	k := Normalize(flood, Options{})
	if k2 := Normalize(k.String(), Options{}); k2.String() != k.String() {
		t.Error("mark flood is not idempotent")
	}
}

func TestNormalizeInvariants(t *testing.T) {
	inputs := []string{
		commentEnglish, commentHindi, commentHinglish,
		"ǅungla ǈ ǋ ﬁ ﬀ ㎒ ½ ⑴ ⒜ ℡ ﷺ ﷻ",
		"ᾳ ᾴ ΐ ﬆ İ ı ς Σ Ꭰ ꭰ ꮰ Ꮰ",
		"한국어 텍스트 가각",
		"👨\u200D👩\u200D👧 ❤\uFE0F",
		"a ¨ b ˘ c",
		"\u0301 leading mark and \u200D leading joiner",
		"x\u034F\u0301y a\u0301\u034F\u0323", // CGJ between marks
		"क्\u200D\u0301ष",
		"தமிழ்\u200Cஎ",
		"ਪੰਜਾਬੀ੍\u200D",
		"a . b . c d e . f",
		"a@b $ c @ d",
	}
	for _, s := range inputs {
		for _, o := range []Options{{}, {Leet: true}} {
			checkKey(t, s, o)
		}
	}
}

// checkKey asserts what every key must satisfy.
func checkKey(t *testing.T, s string, o Options) Key {
	t.Helper()
	k := Normalize(s, o)
	text := k.String()
	if !utf8.ValidString(text) {
		t.Fatalf("%+q: invalid UTF-8 key %+q", s, text)
	}
	full := newBuilder(s, o)
	full.mapText(s)
	full.words(0, o.Leet)
	if string(full.buf) != text {
		t.Fatalf("%+q (leet=%v): the partial second pass gives %+q, a full one %+q", s, o.Leet, text, full.buf)
	}
	if k2 := Normalize(text, o).String(); k2 != text {
		t.Fatalf("%+q (leet=%v): not idempotent:\n once  %+q\n twice %+q", s, o.Leet, text, k2)
	}
	if strings.HasPrefix(text, " ") || strings.HasSuffix(text, " ") || strings.Contains(text, "  ") {
		t.Fatalf("%+q: white space not collapsed: %+q", s, text)
	}
	lo, hi := len(s), 0
	for i, r := range text {
		if derive.IsIgnorable(r) || derive.IsInvisible(r) || derive.IsFoldedMark(r) {
			t.Fatalf("%+q: %U left in %+q", s, r, text)
		}
		if lookup(r)&mappedFlag != 0 {
			t.Fatalf("%+q: %U in key %+q maps on", s, r, text)
		}
		a, b := k.Source(i, i+utf8.RuneLen(r))
		aligned := !utf8.ValidString(s) || utf8.RuneStart(s[a]) && (b == len(s) || utf8.RuneStart(s[b]))
		if a < 0 || b > len(s) || a >= b || !aligned {
			t.Fatalf("%+q: key rune %d maps to bad span %d,%d", s, i, a, b)
		}
		if x, y := k.Source(i, i); x != a || y != a {
			t.Fatalf("%+q: empty span at %d is %d,%d, want %d,%d", s, i, x, y, a, a)
		}
		lo, hi = min(lo, a), max(hi, b)
	}
	if text != "" {
		if a, b := k.Source(0, len(text)); a != lo || b != hi {
			t.Fatalf("%+q: whole key maps to %d,%d, its code points to %d,%d", s, a, b, lo, hi)
		}
	}
	for i, sg := range k.segs {
		if i == 0 && sg.key != 0 || i > 0 && sg.key <= k.segs[i-1].key || int(sg.key) >= len(text) {
			t.Fatalf("%+q: bad segments %v for key %+q", s, k.segs, text)
		}
		if src := int(sg.src &^ pointBit); src >= len(s) {
			t.Fatalf("%+q: segment %v beyond the source", s, sg)
		}
	}
	if len(text) > 0 && len(k.segs) == 0 {
		t.Fatalf("%+q: no segments", s)
	}
	return k
}

func TestKeyAccessors(t *testing.T) {
	k := Normalize("Hi", Options{Leet: true})
	if k.Len() != 2 || k.Src() != "Hi" || !k.Options().Leet || k.String() != "hi" {
		t.Errorf("accessors: %d %q %v %q", k.Len(), k.Src(), k.Options(), k)
	}
}
