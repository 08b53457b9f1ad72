package config

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

func TestLoadWebhooks(t *testing.T) {
	t.Setenv("TEST_WEBHOOK_SECRET", "from-the-environment-0123456789")
	p, err := Load(write(t, `webhooks:
  - name: wordpress
    url: https://news.example/wp-json/commentd/v1/events
    secret: env:TEST_WEBHOOK_SECRET
    site: news
    events: [comment.held, comment.approved]
  - url: http://127.0.0.1:9000/hook
    secret: a-secret-written-in-the-file
    events: [comment.erased]
    retry: {first: 50ms, give_up_after: 2s}
    timeout: 2s
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Webhooks) != 2 {
		t.Fatalf("webhooks = %+v", p.Webhooks)
	}
	wp, other := p.Webhooks[0], p.Webhooks[1]
	if wp.Name != "wordpress" || string(wp.Secret) != "from-the-environment-0123456789" || wp.Site != "news" ||
		!slices.Equal(wp.Events, []string{"comment.held", "comment.approved"}) ||
		wp.Retry != moderation.DefaultWebhookRetry() || wp.Timeout != moderation.DefaultWebhookTimeout {
		t.Errorf("wordpress = %+v", wp)
	}
	if other.Name != "http://127.0.0.1:9000/hook" || string(other.Secret) != "a-secret-written-in-the-file" || other.Site != "" ||
		other.Retry != (moderation.WebhookRetry{First: 50 * time.Millisecond, Max: 5 * time.Minute, GiveUpAfter: 2 * time.Second}) ||
		other.Timeout != 2*time.Second {
		t.Errorf("the second endpoint = %+v; want the URL as its name and the retries given", other)
	}
}

func TestLoadWebhooksRefuses(t *testing.T) {
	const hook = "webhooks:\n  - name: wp\n    url: https://news.example/hook\n    secret: a-secret-written-in-the-file\n    events: [comment.held]\n"
	for body, want := range map[string]string{
		strings.Replace(hook, "a-secret-written-in-the-file", "env:TEST_UNSET_WEBHOOK_SECRET", 1): "webhooks[0] (wp): secret env:TEST_UNSET_WEBHOOK_SECRET: the environment variable TEST_UNSET_WEBHOOK_SECRET is not set",
		strings.Replace(hook, "https://news.example/hook", "ftp://news.example/hook", 1):          `webhooks[0] (wp): url must be an http:// or https:// URL with a host, got "ftp://news.example/hook"`,
		strings.Replace(hook, "comment.held", "comment.hold", 1):                                  `webhooks[0] (wp): events[0]: unknown event "comment.hold"`,
		strings.Replace(hook, "a-secret-written-in-the-file", "short", 1):                         "webhooks[0] (wp): secret must be at least 16 bytes",
		hook + "    secrte: x\n":                       "secrte",
		hook + strings.TrimPrefix(hook, "webhooks:\n"): `webhooks[1] (wp): another endpoint has the name "wp"`,
	} {
		if _, err := Load(write(t, body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: err %v, want one with %q", body, err, want)
		}
	}
}
