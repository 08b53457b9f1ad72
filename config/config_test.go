package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/commentd/commentd/moderation"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "commentd.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	p, err := Load("")
	if err != nil || p.DefaultStatus != moderation.StatusPublished || p.Limits != moderation.DefaultLimits() {
		t.Fatalf("defaults = %+v, %v", p, err)
	}
	p, err = Load(write(t, "default_status: pending\nlimits:\n  body_max_runes: 2000\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := moderation.DefaultLimits()
	want.BodyMaxRunes = 2000
	if p.DefaultStatus != moderation.StatusPending || p.Limits != want {
		t.Errorf("loaded %+v, want pending and body_max_runes 2000 with other limits at their defaults", p)
	}
	if _, err := Load(write(t, "")); err != nil {
		t.Errorf("an empty file must mean the defaults: %v", err)
	}
}

func TestLoadRefuses(t *testing.T) {
	for body, want := range map[string]string{
		"default_status: spam\n":         "default_status",
		"defualt_status: pending\n":      "defualt_status",
		"limits:\n  name_max_runes: 0\n": "limits.name_max_runes",
		"limits: [1, 2]\n":               "line 1",
		"default_status: [published]\n":  "line 1",
	} {
		if _, err := Load(write(t, body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: err %v, want one naming %s", body, err, want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file was accepted")
	}
}

func TestLoadRateLimits(t *testing.T) {
	p, err := Load(write(t, "rate_limits:\n  client_ip: {burst: 5, every: 10s}\n  article_surge: {burst: 0}\n  timeout: 20ms\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := p.RateLimits
	if r.ClientIP != (moderation.Rate{Burst: 5, Every: 10 * time.Second}) || r.ArticleSurge.Enabled() ||
		r.Timeout != 20*time.Millisecond || r.AuthorEmail != moderation.DefaultRateLimits().AuthorEmail {
		t.Errorf("rate limits = %+v", r)
	}
	for body, want := range map[string]string{
		"rate_limits:\n  network: {burst: -1}\n":     "rate_limits.network",
		"rate_limits:\n  ipv6_prefix: 200\n":         "ipv6_prefix",
		"rate_limits:\n  timeout: 0s\n":              "rate_limits.timeout",
		"rate_limits:\n  client_ip: {every: 10}\n":   "time.Duration",
		"rate_limits:\n  client_ip: {every: 10us}\n": "rate_limits.client_ip.every",
		"rate_limits:\n  client_ip: {evry: 10s}\n":   "evry",
	} {
		if _, err := Load(write(t, body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: err %v, want one naming %s", body, err, want)
		}
	}
}

// TestExampleFile keeps the documented example honest: it loads, it gives
// the built-in defaults (plus its one example pattern), and the README
// shows it verbatim.
func TestExampleFile(t *testing.T) {
	p, err := Load("../commentd.example.yaml")
	if err != nil {
		t.Fatalf("the example policy file does not load: %v", err)
	}
	d := Defaults()
	if p.DefaultStatus != moderation.StatusPublished || p.Limits != d.Limits || p.RateLimits != d.RateLimits || p.Reports != d.Reports {
		t.Errorf("example limits differ from the defaults: %+v", p)
	}
	// The example spells out empty lists; the defaults leave them nil.
	p.Rules.Patterns, p.Rules.Links.AllowDomains, p.Rules.Links.BlockDomains = nil, nil, nil
	if !reflect.DeepEqual(p.Rules, d.Rules) {
		t.Errorf("example rules differ from the defaults:\n got %+v\nwant %+v", p.Rules, d.Rules)
	}
	example, err := os.ReadFile("../commentd.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+string(example)+"```") {
		t.Error("README.md does not show commentd.example.yaml verbatim")
	}
}

func TestLoadSites(t *testing.T) {
	p, err := Load(write(t, `
default_status: published
rules:
  links: {hold: 2, block_domains: [spam.example]}
sites:
  news:
    default_status: pending
    rules:
      links: {hold: 1}
      first_time_hold: false
  shop:
    rate_limits:
      client_ip: {burst: 10}
`))
	if err != nil {
		t.Fatal(err)
	}
	news, ok := p.Sites["news"]
	if !ok || len(p.Sites) != 2 {
		t.Fatalf("sites = %+v", p.Sites)
	}
	if news.Policy.DefaultStatus != moderation.StatusPending || news.Policy.Rules.Links.Hold != 1 || news.Policy.Rules.FirstTimeHold {
		t.Errorf("news = %+v, want pending, links.hold 1, no first-time hold", news.Policy)
	}
	// What the site leaves out keeps the global value, lists included.
	if !reflect.DeepEqual(news.Policy.Rules.Links.BlockDomains, []string{"spam.example"}) || news.Policy.Limits != p.Limits ||
		news.Policy.Rules.HoldScore != p.Rules.HoldScore {
		t.Errorf("news lost global values: %+v", news.Policy)
	}
	if want := []string{"default_status", "rules.first_time_hold", "rules.links"}; !reflect.DeepEqual(news.Overrides, want) {
		t.Errorf("news overrides %q, want %q", news.Overrides, want)
	}
	// A site's override leaves the global policy alone.
	if p.DefaultStatus != moderation.StatusPublished || p.Rules.Links.Hold != 2 || !p.Rules.FirstTimeHold {
		t.Errorf("global policy changed by a site: %+v", p)
	}
	shop := p.Sites["shop"].Policy.RateLimits
	if shop.ClientIP != (moderation.Rate{Burst: 10, Every: 15 * time.Second}) || shop.AuthorEmail != p.RateLimits.AuthorEmail {
		t.Errorf("shop rate limits = %+v", shop)
	}
}

func TestLoadSitesRefuses(t *testing.T) {
	for body, want := range map[string]string{
		"sites:\n  news:\n    default_status: spam\n":                         "sites.news: config: default_status",
		"sites:\n  news:\n    rules: {hold_score: 9}\n":                       "sites.news: config: rules",
		"sites:\n  news:\n    defualt_status: pending\n":                      "defualt_status",
		"sites:\n  news:\n    privacy: {client_data_retention: 1h}\n":         "privacy",
		"sites:\n  news:\n    webhooks: []\n":                                 "webhooks",
		"sites:\n  news:\n    limits: {body_max_runes: -1}\n":                 "limits.body_max_runes",
		"sites:\n  news:\n    rate_limits: {client_ip: {burst: -1}}\n":        "rate_limits.client_ip",
		"sites:\n  \"\":\n    default_status: pending\n":                      "site id",
		"sites:\n  news:\n    rules: {patterns: [{id: x, pattern: \"(\"}]}\n": "(x): pattern",
	} {
		if _, err := Load(write(t, body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: err %v, want one naming %s", body, err, want)
		}
	}
}

func TestLoadReports(t *testing.T) {
	p, err := Load(write(t, "reports:\n  threshold: 2.5\nrate_limits:\n  reporter: {burst: 2, every: 1m}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Reports.Threshold != 2.5 || p.Reports.MaxWeight != moderation.DefaultReportPolicy().MaxWeight ||
		p.RateLimits.Reporter != (moderation.Rate{Burst: 2, Every: time.Minute}) || p.RateLimits.ReportIP != moderation.DefaultRateLimits().ReportIP {
		t.Errorf("reports %+v, limits %+v", p.Reports, p.RateLimits)
	}
	for text, want := range map[string]string{
		"reports:\n  threshold: -1\n":              "reports: threshold",
		"reports:\n  min_weight: 0\n":              "reports: min_weight",
		"reports:\n  max_weight: 0.5\n":            "reports: max_weight",
		"rate_limits:\n  report_ip: {burst: -1}\n": "rate_limits.report_ip",
	} {
		if _, err := Load(write(t, text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error about %s", text, err, want)
		}
	}
}
