// Package textmatch builds match keys and finds word-list terms in them.
//
// Stored text is never altered. Rules match against a match key, built once
// per field with Normalize: a folded copy of the text in which look-alike
// spellings of a word become the same bytes, together with a map from every
// key byte back to the source, so that a match is reported as a span of
// what the reader wrote.
//
// The key of a text is, in order:
//
//  1. NFKC: compatibility characters become their plain forms
//     ("ｃａｓｉｎｏ" → "casino", "ﬁ" → "fi");
//  2. full case folding ("CASINO" → "casino", "ß" → "ss");
//  3. without default-ignorable code points and bidi controls (ZWSP, soft
//     hyphen, U+2060, BOM, LRM/RLM, U+202A–U+202E, U+2066–U+2069, variation
//     selectors, …) — except ZWJ and ZWNJ directly after a virama, which
//     Indic scripts need (RFC 5892 A.1, A.2): "क्‍ष" keeps its ZWJ;
//  4. the UTS #39 confusable skeleton, so that Cyrillic "саsinо" is
//     "casino";
//  5. with white space collapsed to single spaces and runs of three or more
//     single letters joined ("v.i.a.g.r.a", "c . a . s . i . n . o" and
//     "C A S I N O" become one word);
//  6. optionally with leetspeak folded ("v1@gr@" → "viagra"; Options.Leet).
//
// Steps 1 to 4 are one lookup per code point in tables that maketables.go
// derives, through package internal/derive, from golang.org/x/text (NFKD,
// case folding) and github.com/mtibben/confusables (the Unicode
// confusables data); TestTablesMatchUpstream checks every code point
// against those modules. The skeleton is decomposed text (it is defined on
// NFD), so keys are decomposed too: "é" is "e" and U+0301. Three guards keep
// the skeleton from damaging ordinary text, each applied identically to
// texts and terms:
//
//   - ASCII stands for itself. UTS #39 prototypes map "m" to "rn", "0" to
//     "O" and "1" to "l"; a non-ASCII look-alike whose prototype is that of
//     an ASCII character becomes the character ("ⅿ" → "m").
//   - A mapping may not change what a character is — letter or mark, digit,
//     separator — nor a digit's value, nor a mark's combining class: the
//     Devanagari visarga stays a mark (UTS #39 would make it ':' and split
//     "दुःख"), the danda stays punctuation, Devanagari digits stay digits
//     (UTS #39 maps '१' to Arabic-Indic nine), and nukta, anusvara and
//     candrabindu keep their forms.
//   - Viramas are never mapped, so a kept ZWJ stays kept when a key is
//     normalised again.
//
// Normalising a key again gives the same key.
//
// # Words
//
// Letters, combining marks and digits of every script are word characters
// (\p{L}\p{M}\p{N}), and so are ZWJ and ZWNJ inside a word: a Devanagari
// word does not break at a vowel sign or a virama, so the term "मत" does
// not match inside "मतदान" and "सट्टा" does not match inside "सट्टेबाज़ी".
//
// # Matching
//
// Compile turns a word list into a Matcher: Aho–Corasick automata whose
// Match runs in time linear in the key and the number of matches,
// whatever the number of terms. Terms are whole words or phrases; a '*' at
// the start or end of a term matches further word characters there. The
// words of a phrase match across any run of white space and punctuation.
package textmatch
