package links

import (
	"strings"
	"testing"
)

// comment builds a realistic comment of about 1 KB: Hindi, Hinglish and
// English sentences, numbers, times and abbreviations, with extra spliced in.
func comment(extra string) string {
	const body = `बहुत अच्छा लेख है। सरकार को किसानों की बात सुननी चाहिए, क्योंकि ` +
		`2.5 लाख करोड़ का बजट सिर्फ़ कागज़ पर है। Sach mein, ye sab e.g. ` +
		`pichhle saal bhi hua tha, i.e. kuch nahi badla. Mr. Modi ने कहा था ` +
		`कि 10.30 बजे घोषणा होगी, but nothing happened. The opposition is no ` +
		`better either. मेरे गाँव में बिजली 4 घंटे आती है... `
	const tail = ` Please publish the full report, not just the summary. ` +
		`धन्यवाद, जय हिंद!`
	s := body + extra + tail
	for len(s) < 1024 {
		s += " Sahi baat hai."
	}
	return s
}

var benchComments = []struct {
	name, text string
	links      int
}{
	{"no-links", comment(""), 0},
	{"two-links", comment("Details https://example.in/news/किसान?id=42 par aur www.example.org/report par hain."), 2},
	{"obfuscated", comment("Earn money: hxxp://spam[.]example/join or cheap dot example slash offer, ｗｗｗ．ｓｐａｍ．ｅｘａｍｐｌｅ."), 3},
}

func BenchmarkFind(b *testing.B) {
	for _, c := range benchComments {
		if got := len(Find(c.text)); got != c.links {
			b.Fatalf("%s: %d links, want %d", c.name, got, c.links)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			b.ReportAllocs()
			for b.Loop() {
				Find(c.text)
			}
		})
	}
}

func TestBenchCommentsAreOneKB(t *testing.T) {
	for _, c := range benchComments {
		if n := len(c.text); n < 1024 || n > 1200 {
			t.Errorf("%s: %d bytes, want about 1 KB", c.name, n)
		}
		if strings.Count(c.text, "\n") != 0 {
			t.Errorf("%s: has a newline", c.name)
		}
	}
}
