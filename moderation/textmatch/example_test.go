package textmatch_test

import (
	"fmt"

	"github.com/commentd/commentd/moderation/textmatch"
)

func Example() {
	m, err := textmatch.Compile([]string{"casino", "work from home", "सट्टा", "*coin"}, textmatch.Options{})
	if err != nil {
		panic(err)
	}
	comment := "Play at c.a.s.i.n.o, Work  From\nHome! आज सट्टा खेलो, buy Bitcoin"
	k := textmatch.Normalize(comment, m.Options())
	fmt.Printf("key: %q\n", k)
	m.Match(k, func(term, start, end int) bool {
		a, b := k.Source(start, end)
		fmt.Printf("term %d: %q\n", term, comment[a:b])
		return true
	})
	// Output:
	// key: "play at casino, work from home! अाज सट्टा खेलो, buy bitcoin"
	// term 0: "c.a.s.i.n.o"
	// term 1: "Work  From\nHome"
	// term 2: "सट्टा"
	// term 3: "Bitcoin"
}

func ExampleNormalize() {
	for _, s := range []string{"ｃａｓｉｎｏ", "саsinо", "C A S I N O", "c\u200Basino", "v1@gr@"} {
		fmt.Printf("%q\n", textmatch.Normalize(s, textmatch.Options{Leet: true}))
	}
	// Output:
	// "casino"
	// "casino"
	// "casino"
	// "casino"
	// "viagra"
}
