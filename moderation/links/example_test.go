package links_test

import (
	"fmt"

	"github.com/commentd/commentd/moderation/links"
)

func ExampleFind() {
	comment := "सस्ता लोन! hxxp://loan[.]example/apply या bit.ly/3xYz देखें, priya@example.in पर लिखें।"
	for _, l := range links.Find(comment) {
		fmt.Printf("%q -> %s host=%s obfuscated=%v shortener=%v\n",
			l.Text, l.URL, l.Host, l.Obfuscated, links.IsShortener(l.Host))
	}
	// Output:
	// "hxxp://loan[.]example/apply" -> http://loan.example/apply host=loan.example obfuscated=true shortener=false
	// "bit.ly/3xYz" -> http://bit.ly/3xYz host=bit.ly obfuscated=false shortener=true
}

func ExampleMatchesDomain() {
	fmt.Println(links.MatchesDomain("news.example.in", "example.in"))
	fmt.Println(links.MatchesDomain("badexample.in", "example.in"))
	// Output:
	// true
	// false
}

func ExampleLink_Domain() {
	for _, l := range links.Find("https://www.news.example.co.in/x and http://xn--bcher-kva.example/") {
		fmt.Println(l.Host, "->", l.Domain())
	}
	// Output:
	// www.news.example.co.in -> example.co.in
	// bücher.example -> bücher.example
}
