package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/commentd/commentd/moderation"
)

// Webhook is one endpoint in the policy file's webhooks.
type Webhook struct {
	// Name keys the endpoint's deliveries; it defaults to the URL. Give
	// one, and the URL can change without orphaning what waits.
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
	// Secret signs the deliveries: the secret itself, or env:NAME to read
	// it from the environment variable NAME when the file is loaded.
	Secret string `yaml:"secret"`
	// Site, when set, makes this the site's own endpoint: its comments
	// only, with the author's email.
	Site   string   `yaml:"site"`
	Events []string `yaml:"events"`
	// Retry and Timeout default to moderation.DefaultWebhookRetry and
	// DefaultWebhookTimeout, field by field.
	Retry   moderation.WebhookRetry `yaml:"retry"`
	Timeout time.Duration           `yaml:"timeout"`
}

// lookupEnv reads the environment; tests set variables with t.Setenv.
var lookupEnv = os.LookupEnv

// webhooks turns the file's endpoints into the domain's, reading secrets
// from the environment, and checks them.
func webhooks(ws []Webhook) ([]moderation.Webhook, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	out := make([]moderation.Webhook, len(ws))
	def := moderation.DefaultWebhookRetry()
	for i, w := range ws {
		h := moderation.Webhook{Name: w.Name, URL: w.URL, Site: w.Site, Events: w.Events, Retry: w.Retry, Timeout: w.Timeout}
		if h.Name == "" {
			h.Name = w.URL
		}
		if h.Retry.First == 0 {
			h.Retry.First = def.First
		}
		if h.Retry.Max == 0 {
			h.Retry.Max = max(def.Max, h.Retry.First)
		}
		if h.Retry.GiveUpAfter == 0 {
			h.Retry.GiveUpAfter = def.GiveUpAfter
		}
		if h.Timeout == 0 {
			h.Timeout = moderation.DefaultWebhookTimeout
		}
		secret, err := readSecret(w.Secret)
		if err != nil {
			return nil, fmt.Errorf("config: webhooks[%d] (%s): %w", i, h.Name, err)
		}
		h.Secret = secret
		out[i] = h
	}
	if err := moderation.CheckWebhooks(out); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return out, nil
}

// readSecret returns a secret as written, or from the environment for
// env:NAME.
func readSecret(s string) ([]byte, error) {
	name, fromEnv := strings.CutPrefix(s, "env:")
	if !fromEnv {
		return []byte(s), nil
	}
	v, ok := lookupEnv(name)
	switch {
	case name == "":
		return nil, fmt.Errorf("secret env: names no environment variable")
	case !ok || v == "":
		return nil, fmt.Errorf("secret env:%s: the environment variable %s is not set", name, name)
	}
	return []byte(v), nil
}
