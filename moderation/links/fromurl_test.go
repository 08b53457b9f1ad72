package links

import "testing"

func TestFromURL(t *testing.T) {
	for _, c := range []struct {
		in, host string
		ok       bool
	}{
		{"https://bet.example/", "bet.example", true},
		{"HTTP://WWW.Bet.Example:8080/a?b#c", "www.bet.example", true},
		{"https://bet%2Eexample/", "bet.example", true},
		{"https://bet.example./", "bet.example", true},
		{`https://ok.example\@bet.example/`, "ok.example", true},
		{"https://xn--bcher-kva.example/", "bücher.example", true},
		{"https://user@bet.example/", "bet.example", true},
		{"ftp://bet.example/", "", false},
		{"bet.example", "", false},
		{"https:///path", "", false},
		{"", "", false},
	} {
		l, ok := FromURL(c.in)
		if ok != c.ok || l.Host != c.host || ok && (l.Start != 0 || l.End != len(c.in) || l.Text != c.in) {
			t.Errorf("FromURL(%q) = %+v, %v; want host %q, %v", c.in, l, ok, c.host, c.ok)
		}
	}
}

// A plain host is read exactly as Find reads it.
func TestFromURLAgreesWithFind(t *testing.T) {
	for _, s := range []string{"https://bet.example/a", "http://Bet.Example/", "https://xn--bcher-kva.example/x", "https://bet.example.:443/", "https://a.b-c.example/?q=1"} {
		l, ok := FromURL(s)
		f := Find(s)
		if !ok || len(f) != 1 || f[0].Host != l.Host {
			t.Errorf("%q: FromURL host %q, Find %+v", s, l.Host, f)
		}
	}
}
