package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// articles is how many articles the comments spread over.
const articles = 20

// sample is one message of the corpus as a comment, with its truth.
type sample struct {
	key  string // group/number in the corpus
	spam bool
	req  *pb.SubmitCommentRequest
}

// toComment turns a message into the comment a site would submit: the
// sender as author, the body as text, an IP of the sender's own. It
// returns false for a message with no text to show.
func toComment(m rawMessage) (sample, bool) {
	l := parseLetter(m.text)
	body := l.body
	if body == "" {
		body = l.subject // a message that is all image still says something
	}
	body = strings.TrimSpace(truncateRunes(body, moderation.DefaultLimits().BodyMaxRunes))
	email := l.email
	if email == "" || invalid(moderation.Submission{Author: moderation.Author{Email: email}}, "author.email") {
		email = fmt.Sprintf("sender-%s@example.invalid", shortHash(m.key()))
	}
	name := truncateRunes(l.name, moderation.DefaultLimits().NameMaxRunes)
	for _, n := range []string{name, localPart(email), "Reader"} {
		if n != "" && !invalid(moderation.Submission{Author: moderation.Author{Name: n}}, "author.name") {
			name = n
			break
		}
	}
	req := &pb.SubmitCommentRequest{
		ArticleId: fmt.Sprintf("quality-%02d", hashUint(m.key())%articles),
		Author:    &pb.Author{Name: name, Email: email},
		Body:      body,
		Client:    &pb.ClientInfo{Ip: senderIP(email)},
		RequestId: "quality-" + m.group + "-" + m.id,
	}
	if invalid(moderation.Submission{Body: body}, "body") {
		return sample{}, false
	}
	return sample{key: m.key(), spam: m.spam, req: req}, true
}

// invalid reports whether commentd's own checks refuse field of s.
func invalid(s moderation.Submission, field string) bool {
	for _, v := range moderation.DefaultLimits().Validate(s) {
		if v.Field == field {
			return true
		}
	}
	return false
}

// senderIP is a stable address per sender in 100.64.0.0/10, so that one
// sender's messages come from one reader and different senders mostly
// from different /24 networks.
func senderIP(email string) string {
	h := sha256.Sum256([]byte(strings.ToLower(email)))
	return fmt.Sprintf("100.%d.%d.%d", 64+h[0]%64, h[1], 1+h[2]%254)
}

func localPart(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return ""
	}
	return email[:at]
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", h[:4])
}

func hashUint(s string) uint64 {
	h := sha256.Sum256([]byte(s))
	return binary.BigEndian.Uint64(h[:8])
}

// split shuffles each class with seed and puts up to perClass of each
// into the training share, keeping at least a fifth of each class unseen;
// the rest is the unseen share. Both shares interleave the classes as
// comments arrive on a site, in an order the seed fixes.
func split(samples []sample, perClass int, seed uint64) (train, unseen []sample) {
	rng := rand.New(rand.NewPCG(seed, 0x636f6d6d656e7464))
	var spam, ham []sample
	for _, s := range samples {
		if s.spam {
			spam = append(spam, s)
		} else {
			ham = append(ham, s)
		}
	}
	for _, class := range [][]sample{spam, ham} {
		rng.Shuffle(len(class), func(i, j int) { class[i], class[j] = class[j], class[i] })
		n := min(perClass, len(class)-(len(class)+4)/5)
		train = append(train, class[:max(n, 0)]...)
		unseen = append(unseen, class[max(n, 0):]...)
	}
	rng.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
	rng.Shuffle(len(unseen), func(i, j int) { unseen[i], unseen[j] = unseen[j], unseen[i] })
	return train, unseen
}
