package links

import (
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Domain returns the registrable domain of the link's host, by the Public
// Suffix List: "example.co.in" for "news.example.co.in", "bücher.example" for
// "www.bücher.example". An IP address, or a host that is itself a public
// suffix, is returned as it is.
func (l Link) Domain() string {
	h := l.Host
	if _, err := netip.ParseAddr(h); err == nil || h == "" {
		return h
	}
	ascii, err := idna.Lookup.ToASCII(h) // the list is keyed by punycode
	if err != nil {
		ascii = h
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(ascii)
	if err != nil {
		return h
	}
	if u, err := idna.Display.ToUnicode(d); err == nil {
		return u
	}
	return d
}

// MatchesDomain reports whether host is domain or a subdomain of it, for
// allow and block lists: MatchesDomain("news.example.in", "example.in") is
// true, MatchesDomain("badexample.in", "example.in") is false. Case, a
// trailing dot, a leading dot on domain and Unicode versus punycode spelling
// do not matter.
func MatchesDomain(host, domain string) bool {
	h, d := canonicalHost(host), canonicalHost(strings.TrimPrefix(domain, "."))
	if h == "" || d == "" {
		return false
	}
	return h == d || strings.HasSuffix(h, "."+d)
}

// IsShortener reports whether host is a well-known URL shortener, or a
// subdomain of one ("www.bit.ly").
func IsShortener(host string) bool {
	h := canonicalHost(host)
	for h != "" {
		if shorteners[h] {
			return true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return false
}

// canonicalHost returns host in lower-case punycode without a trailing dot,
// so that "Bücher.example." and "xn--bcher-kva.example" compare equal.
func canonicalHost(host string) string {
	host = strings.TrimSuffix(host, ".")
	if plainASCIIHost(host) {
		return host // what ToASCII would return, without its cost
	}
	if a, err := idna.Lookup.ToASCII(host); err == nil {
		return a
	}
	return strings.ToLower(host)
}

// plainASCIIHost reports a host of lower-case ASCII letters, digits,
// hyphens and dots: nearly every host, and already canonical.
func plainASCIIHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return h != ""
}
