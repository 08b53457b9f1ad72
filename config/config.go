// Package config reads commentd's policy file: the rules, limits and
// thresholds that an operator tunes without rebuilding. Word lists and bans
// are not here: they live in the store and are managed through the API.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/commentd/commentd/moderation"
)

// File is the policy file's shape. Every field is optional; a missing one
// keeps its default.
type File struct {
	// DefaultStatus decides comments that no rule holds or files as spam:
	// "published" or "pending".
	DefaultStatus string `yaml:"default_status"`
	// Limits bound the submitted fields.
	Limits moderation.Limits `yaml:"limits"`
	// RateLimits are the flood limits per client IP, author email,
	// network and article.
	RateLimits moderation.RateLimits `yaml:"rate_limits"`
	// Rules are the thresholds, scores, link limits and patterns of the
	// spam rules.
	Rules moderation.RuleConfig `yaml:"rules"`
	// Privacy says how long reader data is kept.
	Privacy Privacy `yaml:"privacy"`
	// Webhooks are the endpoints told of comments' changes.
	Webhooks []Webhook `yaml:"webhooks"`
	// Sites override parts of the policy for one site each, keyed by the
	// site's id (its name in COMMENTD_SITE_KEYS or its certificate's CN).
	Sites map[string]yaml.Node `yaml:"sites"`
	// Reports is when reader reports send a comment back to the queue.
	Reports moderation.ReportPolicy `yaml:"reports"`
}

// siteFile is what a site may override: every key is optional and an
// absent one keeps the global value. Privacy and webhooks are global.
type siteFile struct {
	DefaultStatus string                `yaml:"default_status"`
	Limits        moderation.Limits     `yaml:"limits"`
	RateLimits    moderation.RateLimits `yaml:"rate_limits"`
	Rules         moderation.RuleConfig `yaml:"rules"`
}

// Privacy is the reader-data section of the policy file.
type Privacy struct {
	// ClientDataRetention is how long a comment keeps the reader's IP and
	// user agent; 0 keeps them for ever.
	ClientDataRetention time.Duration `yaml:"client_data_retention"`
}

// Defaults returns the built-in policy file.
func Defaults() File {
	return File{DefaultStatus: "published", Limits: moderation.DefaultLimits(), RateLimits: moderation.DefaultRateLimits(), Rules: moderation.DefaultRuleConfig(),
		Privacy: Privacy{ClientDataRetention: moderation.DefaultClientDataRetention}, Reports: moderation.DefaultReportPolicy()}
}

// Load reads the policy file at path over the defaults. An empty path
// gives the defaults. Unknown keys are errors, so a typo cannot silently
// leave a rule at its default.
func Load(path string) (moderation.Policy, error) {
	if path == "" {
		return Defaults().Policy()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return moderation.Policy{}, fmt.Errorf("read config: %w", err)
	}
	f, err := decode(b)
	if err != nil {
		return moderation.Policy{}, fmt.Errorf("config %s: %w", path, err)
	}
	return f.Policy()
}

// Parse reads a policy file's text over the defaults, as Load does: for a
// policy proposed over the API.
func Parse(b []byte) (moderation.Policy, error) {
	f, err := decode(b)
	if err != nil {
		return moderation.Policy{}, fmt.Errorf("config: %w", err)
	}
	return f.Policy()
}

func decode(b []byte) (File, error) {
	f := Defaults()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return File{}, err
	}
	return f, nil
}

// Policy checks f and turns it into the domain's policy.
func (f File) Policy() (moderation.Policy, error) {
	st, err := moderation.ParseStatus(f.DefaultStatus)
	if err != nil || (st != moderation.StatusPublished && st != moderation.StatusPending) {
		return moderation.Policy{}, fmt.Errorf("config: default_status must be published or pending, got %q", f.DefaultStatus)
	}
	l := f.Limits
	for _, c := range []struct {
		name string
		v    int
	}{
		{"limits.name_max_runes", l.NameMaxRunes},
		{"limits.body_max_runes", l.BodyMaxRunes},
		{"limits.email_max_bytes", l.EmailMaxBytes},
		{"limits.url_max_bytes", l.URLMaxBytes},
		{"limits.article_id_max_bytes", l.ArticleIDMaxBytes},
		{"limits.user_agent_max_bytes", l.UserAgentMaxBytes},
		{"limits.referrer_max_bytes", l.ReferrerMaxBytes},
	} {
		if c.v <= 0 {
			return moderation.Policy{}, fmt.Errorf("config: %s must be positive, got %d", c.name, c.v)
		}
	}
	if err := checkRateLimits(f.RateLimits); err != nil {
		return moderation.Policy{}, err
	}
	if err := moderation.CheckRuleConfig(f.Rules); err != nil {
		return moderation.Policy{}, fmt.Errorf("config: rules: %w", err)
	}
	if f.Privacy.ClientDataRetention < 0 {
		return moderation.Policy{}, fmt.Errorf("config: privacy.client_data_retention must not be negative")
	}
	if err := moderation.CheckReportPolicy(f.Reports); err != nil {
		return moderation.Policy{}, fmt.Errorf("config: reports: %w", err)
	}
	hooks, err := webhooks(f.Webhooks)
	if err != nil {
		return moderation.Policy{}, err
	}
	p := moderation.Policy{DefaultStatus: st, Limits: l, RateLimits: f.RateLimits, Rules: f.Rules,
		ClientDataRetention: f.Privacy.ClientDataRetention, Webhooks: hooks, Reports: f.Reports}
	if p.Sites, err = f.sites(); err != nil {
		return moderation.Policy{}, err
	}
	return p, nil
}

// sites merges each site's overrides over the global policy and checks
// the result as a whole, so a site's decisions never meet a policy that
// was not validated. The merge happens here, once per load; a submission
// only looks its site up.
func (f File) sites() (map[string]moderation.SitePolicy, error) {
	if len(f.Sites) == 0 {
		return nil, nil
	}
	out := make(map[string]moderation.SitePolicy, len(f.Sites))
	for site, node := range f.Sites {
		if v := moderation.ValidateSite(site); v != "" {
			return nil, fmt.Errorf("config: sites: site id %q %s", site, v)
		}
		b, err := yaml.Marshal(&node)
		if err != nil {
			return nil, fmt.Errorf("config: sites.%s: %w", site, err)
		}
		// Decode over a copy of the global values: keys the site leaves
		// out keep them. Lists (patterns, domains) are replaced whole.
		sf := siteFile{DefaultStatus: f.DefaultStatus, Limits: f.Limits, RateLimits: f.RateLimits, Rules: f.Rules}
		sf.Rules.Patterns = slices.Clone(f.Rules.Patterns)
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&sf); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config: sites.%s: %w", site, err)
		}
		merged := File{DefaultStatus: sf.DefaultStatus, Limits: sf.Limits, RateLimits: sf.RateLimits, Rules: sf.Rules,
			Privacy: f.Privacy, Webhooks: f.Webhooks, Reports: f.Reports}
		p, err := merged.Policy()
		if err != nil {
			return nil, fmt.Errorf("sites.%s: %w", site, err)
		}
		out[site] = moderation.SitePolicy{Policy: p, Overrides: overrides(&node, "")}
	}
	return out, nil
}

// overrides names the keys a site's block sets, two levels deep
// ("default_status", "rules.links"), for `commentctl check` to show.
func overrides(n *yaml.Node, prefix string) []string {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := prefix + n.Content[i].Value
		if prefix == "" && n.Content[i+1].Kind == yaml.MappingNode {
			out = append(out, overrides(n.Content[i+1], key+".")...)
			continue
		}
		out = append(out, key)
	}
	slices.Sort(out)
	return out
}

func checkRateLimits(r moderation.RateLimits) error {
	for _, c := range []struct {
		name string
		rate moderation.Rate
	}{
		{"client_ip", r.ClientIP}, {"author_email", r.AuthorEmail}, {"network", r.Network}, {"article_surge", r.ArticleSurge},
		{"report_ip", r.ReportIP}, {"reporter", r.Reporter},
	} {
		if c.rate.Burst < 0 || c.rate.Every < 0 {
			return fmt.Errorf("config: rate_limits.%s: burst and every must not be negative (burst 0 turns the limit off)", c.name)
		}
		if c.rate.Burst > 0 && c.rate.Every > 0 && c.rate.Every < time.Millisecond {
			return fmt.Errorf("config: rate_limits.%s.every must be at least 1ms, got %s", c.name, c.rate.Every)
		}
	}
	switch {
	case r.IPv4Prefix < 8 || r.IPv4Prefix > 32:
		return fmt.Errorf("config: rate_limits.ipv4_prefix must be 8 to 32, got %d", r.IPv4Prefix)
	case r.IPv6Prefix < 16 || r.IPv6Prefix > 128:
		return fmt.Errorf("config: rate_limits.ipv6_prefix must be 16 to 128, got %d", r.IPv6Prefix)
	case r.Timeout <= 0 || r.Timeout > 5*time.Second:
		return fmt.Errorf("config: rate_limits.timeout must be more than 0 and at most 5s, got %s", r.Timeout)
	}
	return nil
}
