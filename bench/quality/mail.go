package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// letter is what a comment is made of: one message's sender and text.
type letter struct {
	name    string // the sender's display name, decoded; may be empty
	email   string // the sender's address; may be empty or invalid
	subject string
	body    string // the readable text after the headers
}

// parseLetter reads an RFC 822 message as a mail reader would show it:
// the sender from From, the body decoded from its transfer encoding and
// charset, the text/plain part of a multipart message (or its text/html
// part as text). Messages of 2002 break the rules often; it never fails,
// and takes what it can.
func parseLetter(raw []byte) letter {
	// An mbox "From " line opens every message of the corpus; it is not
	// a header.
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	hdr, body := splitHeader(raw)
	var l letter
	l.name, l.email = parseFrom(hdr.Get("From"))
	l.subject = oneLine(decodeWords(hdr.Get("Subject")))
	l.body = tidy(readable(textproto.MIMEHeader(hdr), body))
	return l
}

// splitHeader parses the header leniently: a line that is not a header
// ends it, as it would in most mail readers.
func splitHeader(raw []byte) (mail.Header, []byte) {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	h := mail.Header{}
	r := bufio.NewReader(bytes.NewReader(raw))
	var last string
	for {
		line, err := r.ReadString('\n')
		trimmed := strings.TrimRight(line, "\n")
		if trimmed == "" {
			break // the blank line: the body follows
		}
		if (line[0] == ' ' || line[0] == '\t') && last != "" {
			vs := h[last]
			vs[len(vs)-1] += " " + strings.TrimSpace(trimmed)
		} else if k, v, ok := strings.Cut(trimmed, ":"); ok && !strings.ContainsAny(k, " \t") && k != "" {
			last = textproto.CanonicalMIMEHeaderKey(k)
			h[last] = append(h[last], strings.TrimSpace(v))
		} else {
			// Not a header: the body starts here, without a blank line.
			rest, _ := io.ReadAll(r)
			return h, append([]byte(line), rest...)
		}
		if err != nil {
			return h, nil
		}
	}
	rest, _ := io.ReadAll(r)
	return h, rest
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func decodeWords(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}

var addrInText = regexp.MustCompile(`[^\s<>"'(),;:\[\]]+@[^\s<>"'(),;:\[\]]+`)

// parseFrom returns the display name and address of a From header, or
// what can be found of them.
func parseFrom(from string) (name, email string) {
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if a, err := p.Parse(from); err == nil {
		return oneLine(a.Name), a.Address
	}
	email = addrInText.FindString(from)
	name = decodeWords(strings.Replace(from, email, "", 1))
	name = strings.Trim(name, " \t<>\"'")
	return oneLine(name), strings.Trim(email, ".")
}

// readable returns the text of a message part with header h and raw body.
func readable(h textproto.MIMEHeader, body []byte) string {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mt, params = "text/plain", nil
		if ct := strings.ToLower(h.Get("Content-Type")); strings.HasPrefix(ct, "text/html") {
			mt = "text/html"
		}
	}
	body = decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		if t, ok := fromParts(mt, params["boundary"], body); ok {
			return t
		}
		// A broken multipart message: show what is there, as text.
		return toUTF8(body, "")
	}
	text := toUTF8(body, params["charset"])
	if mt == "text/html" {
		return htmlText(text)
	}
	return text
}

// fromParts picks the text of a multipart body: the first text/plain
// part, else the first text/html part as text, looking into nested
// multiparts; attachments are not text a reader wrote.
func fromParts(mt, boundary string, body []byte) (string, bool) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var plain, htmlPart string
	var found bool
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			break
		}
		b, err := io.ReadAll(p)
		if err != nil && len(b) == 0 {
			break
		}
		if d, _, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition")); d == "attachment" {
			continue
		}
		pmt, _, perr := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if perr != nil || p.Header.Get("Content-Type") == "" {
			pmt = "text/plain"
		}
		switch {
		case strings.HasPrefix(pmt, "multipart/"):
			if t := readable(p.Header, b); strings.TrimSpace(t) != "" && plain == "" {
				plain, found = t, true
			}
		case pmt == "text/plain":
			if plain == "" {
				plain, found = readable(p.Header, b), true
			}
		case pmt == "text/html":
			if htmlPart == "" {
				htmlPart, found = readable(p.Header, b), true
			}
		}
	}
	if strings.TrimSpace(plain) != "" {
		return plain, true
	}
	return htmlPart, found
}

func decodeTransfer(cte string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil && len(b) == 0 {
			return body
		}
		return b
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, body)
		clean = bytes.TrimRight(clean, "=")
		b, err := base64.RawStdEncoding.DecodeString(string(clean))
		if err != nil {
			// Keep what decoded before the damage.
			n := len(clean) / 4 * 4
			b, _ = base64.RawStdEncoding.DecodeString(string(clean[:n]))
		}
		return b
	}
	return body
}

// charsetReader decodes the charsets a browser knows.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(r), nil
}

// toUTF8 decodes b from charset. Text that says nothing, or names a
// charset no one knows, is taken as UTF-8 when it is, else as
// Windows-1252, as mail readers of the time did.
func toUTF8(b []byte, charset string) string {
	if enc, err := htmlindex.Get(strings.TrimSpace(charset)); err == nil && charset != "" {
		if d, err := enc.NewDecoder().Bytes(b); err == nil {
			return strings.ToValidUTF8(string(d), "\uFFFD")
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	d, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return strings.ToValidUTF8(string(d), "\uFFFD")
}

// htmlText renders HTML as the text a reader sees, with each link's
// address after its text, as text mail readers show links.
func htmlText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	var skip int // inside <script>, <style>, <head>
	var href string
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tt := z.Token()
			end := tt.Type == html.EndTagToken
			switch tt.Data {
			case "script", "style", "head", "title":
				if tt.Type == html.StartTagToken {
					skip++
				} else if end && skip > 0 {
					skip--
				}
			case "a":
				if !end {
					href = ""
					for _, a := range tt.Attr {
						if a.Key == "href" && (strings.HasPrefix(a.Val, "http://") || strings.HasPrefix(a.Val, "https://")) {
							href = a.Val
						}
					}
				} else if href != "" {
					b.WriteString(" (" + href + ")")
					href = ""
				}
			case "br", "p", "div", "tr", "li", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr":
				b.WriteString("\n")
			case "td", "th":
				b.WriteString(" ")
			}
		}
	}
}

var manyBlankLines = regexp.MustCompile(`\n{3,}`)

// tidy trims every line's trailing space and collapses runs of blank
// lines, as a comment box would not keep them.
func tidy(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\x00", "")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(strings.ReplaceAll(l, "\u00a0", " "), unicode.IsSpace)
	}
	s = manyBlankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.TrimSpace(s)
}

// oneLine collapses white space and drops control characters, for names
// and subjects.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
