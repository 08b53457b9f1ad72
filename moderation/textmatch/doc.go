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
//  1. decorative letters that Unicode does not decompose, made plain:
//     small capitals ("ᴄᴀꜱɪɴᴏ"), negative circled and squared letters
//     ("🅒🅐🅢🅘🅝🅞", "🅲🅰🆂🅸🅽🅾"), parenthesized letters ("⒞⒜⒮⒤⒩⒪"), Latin
//     letters with a fused mark ("ø", "ł") and dingbat digits ("❶"); a
//     regional indicator ("🇨") becomes its letter between spaces, so that
//     "🇨🇦🇸🇮🇳🇴" is spaced letters (step 6 joins them) while a flag after
//     a word stays apart from it;
//  2. NFKC: compatibility characters become their plain forms
//     ("ｃａｓｉｎｏ" → "casino", "ﬁ" → "fi");
//  3. full case folding ("CASINO" → "casino", "ß" → "ss");
//  4. without the characters a reader does not see: default-ignorable code
//     points and bidi controls (ZWSP, soft hyphen, U+2060, BOM, LRM/RLM,
//     U+202A–U+202E, U+2066–U+2069, variation selectors, tags, …), ZWJ and
//     ZWNJ, the controls other than tab and line feed (CR, VT, FF, ESC,
//     DEL, NEL, …), U+2028, U+2029, the braille blank U+2800, U+FFFC and the
//     tatweel U+0640: the letters around them join;
//  5. without the diacritics Latin, Greek and Cyrillic share ("casíno",
//     "ćáśíńó", "CASİNO" → "casino") and without the Devanagari nukta,
//     which Hindi writers use and leave out freely ("सड़क" and "सडक" have
//     one key);
//  6. the UTS #39 confusable skeleton, so that Cyrillic "саsinо" is
//     "casino";
//  7. with white space collapsed to single spaces and runs of three or more
//     single letters joined ("v.i.a.g.r.a", "c . a . s . i . n . o" and
//     "C A S I N O" become one word);
//  8. optionally with leetspeak folded ("v1@gr@" → "viagra"; Options.Leet).
//
// Steps 1 to 6 are one lookup per code point in tables that maketables.go
// derives, through package internal/derive, from golang.org/x/text (NFKD,
// case folding, character names) and github.com/mtibben/confusables (the
// Unicode confusables data); TestTablesMatchUpstream checks every code
// point against those modules. The skeleton is decomposed text (it is
// defined on NFD), so keys are decomposed too: the marks that remain (the
// vowel signs, virama, anusvara and candrabindu of Indic scripts, Arabic
// and Hebrew points, kana voicing) follow their letters in canonical
// order. Those marks are what the scripts are made of and are never
// dropped: "मत" does not match inside "मतदान". Joiners were kept after a
// virama until keys dropped them: "क्‍ष" and "क्ष" are one conjunct drawn two
// ways, and a joiner typed into "सट्टा" must not hide the word. Three guards
// keep the skeleton from damaging ordinary text, each applied identically
// to texts and terms:
//
//   - ASCII stands for itself. UTS #39 prototypes map "m" to "rn", "0" to
//     "O" and "1" to "l"; a non-ASCII look-alike whose prototype is that of
//     an ASCII character becomes the character ("ⅿ" → "m").
//   - A mapping may not change what a character is — letter or mark, digit,
//     separator — nor a digit's value, nor a mark's combining class: the
//     Devanagari visarga stays a mark (UTS #39 would make it ':' and split
//     "दुःख"), the danda stays punctuation, Devanagari digits stay digits
//     (UTS #39 maps '१' to Arabic-Indic nine), and anusvara and candrabindu
//     keep their forms.
//   - Viramas are never mapped (UTS #39 makes the Tamil one a dot above).
//
// Normalising a key again gives the same key, and whatever run of the
// characters of step 4 is inserted between two letters, the key does not
// change (FuzzNormalize checks both).
//
// # Words
//
// Letters, combining marks and digits of every script are word characters
// (\p{L}\p{M}\p{N}): a Devanagari word does not break at a vowel sign or a
// virama, so the term "मत" does not match inside "मतदान" and "सट्टा" does
// not match inside "सट्टेबाज़ी". Words are matched whole: "casino" does not
// match "casinos" (a term "casino*" does), and nothing is stemmed.
//
// # Matching
//
// Compile turns a word list into a Matcher: Aho–Corasick automata whose
// Match runs in time linear in the key and the number of matches,
// whatever the number of terms. Terms are whole words or phrases; a '*' at
// the start or end of a term matches further word characters there. The
// words of a phrase match across any run of white space and punctuation.
package textmatch
