package main

import (
	"bytes"
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/commentd/commentd/client/commentdtest"
	"github.com/commentd/commentd/internal/testcert"
)

// documentedEnv are the variables --help names, as "(env COMMENTCTL_…)"
// in a flag's help.
func documentedEnv(t *testing.T) map[string]*pflag.Flag {
	t.Helper()
	re := regexp.MustCompile(`\(env (COMMENTCTL_[A-Z_]+)`)
	out := map[string]*pflag.Flag{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		visit := func(f *pflag.Flag) {
			if m := re.FindStringSubmatch(f.Usage); m != nil {
				out[m[1]] = f
			}
		}
		c.LocalFlags().VisitAll(visit)
		c.PersistentFlags().VisitAll(visit)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})))
	return out
}

// TestEnvironmentIsDocumented checks that --help, the README and the
// flags that read the environment agree: every variable named is the
// one commentd's scheme gives its flag (COMMENTCTL_ and the name in
// capitals, dashes as underscores), and is read.
func TestEnvironmentIsDocumented(t *testing.T) {
	documented := documentedEnv(t)
	if len(documented) == 0 {
		t.Fatal("no flag's help names its environment variable")
	}
	for env, f := range documented {
		if want := "COMMENTCTL_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")); env != want {
			t.Errorf("--%s's help names %s; the environment sets it as %s", f.Name, env, want)
		}
		if !readsEnv(f) {
			t.Errorf("--%s's help names %s, but the flag does not read the environment", f.Name, env)
		}
	}
	root := newRootCmd(newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if readsEnv(f) && !strings.Contains(f.Usage, "(env COMMENTCTL_") {
				t.Errorf("--%s of %q reads the environment, but its help does not say so", f.Name, c.CommandPath())
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)

	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range regexp.MustCompile(`COMMENTCTL_[A-Z_]+`).FindAllString(string(readme), -1) {
		if documented[env] == nil {
			t.Errorf("the README names %s, which no flag's help does", env)
		}
	}
}

// TestEnvironment runs commentctl against a real commentd (TLS, client
// certificates, site keys and moderator tokens) to show that each
// documented COMMENTCTL_ variable is read, that a flag on the command
// line beats it (even an empty one), and that variables commentctl does
// not know are ignored, as commentd ignores unknown COMMENTD_ ones.
func TestEnvironment(t *testing.T) {
	ca := testcert.NewCA(t)
	pair := ca.Server("server")
	admin := ca.Client("asha", pkix.Name{OrganizationalUnit: []string{"admin"}, CommonName: "asha"})
	srv := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, Policy: holdAll, Env: []string{
		moderators, sites, "COMMENTD_TLS_CERT=" + pair.CertPath, "COMMENTD_TLS_KEY=" + pair.KeyPath,
		"COMMENTD_TLS_CLIENT_CA=" + ca.PEMPath,
		"COMMENTD_NO_SUCH_SETTING=1", // ignored: commentd starts
	}})
	missing := filepath.Join(t.TempDir(), "missing.pem")
	checkArgs := []string{"check", "--article", "a", "--name", "Reader", "--email", "reader@example.com", "hello"}

	// The environment of each case: these, on top of a token over TLS.
	full := map[string]string{"SERVER": srv.Addr, "CACERT": ca.PEMPath, "TOKEN": ashaToken}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	cases := []struct {
		name   string
		reads  string // the variables whose reading the case shows
		env    map[string]string
		args   []string
		code   int
		stdout string // a prefix of standard output
		stderr string // a part of standard error
		exact  bool   // stderr is all of standard error
	}{
		{name: "COMMENTCTL_SERVER", reads: "COMMENTCTL_SERVER", env: full, args: []string{"queue", "-o", "ids"}},
		{name: "--server beats COMMENTCTL_SERVER", env: with("SERVER", "127.0.0.1:1"),
			args: []string{"--server", srv.Addr, "queue", "-o", "ids"}},

		{name: "COMMENTCTL_TOKEN", reads: "COMMENTCTL_TOKEN", env: full, args: []string{"queue", "-o", "ids"}},
		{name: "without a token", env: with("TOKEN", ""), args: []string{"queue"},
			code: 1, stderr: "UNAUTHENTICATED"},
		{name: "--token beats COMMENTCTL_TOKEN", env: with("TOKEN", "tok-nobody"),
			args: []string{"--token", ashaToken, "queue", "-o", "ids"}},
		{name: "--token= beats COMMENTCTL_TOKEN", env: full, args: []string{"--token=", "queue"},
			code: 1, stderr: "UNAUTHENTICATED"},

		{name: "COMMENTCTL_TIMEOUT", reads: "COMMENTCTL_TIMEOUT", env: with("TIMEOUT", "1ns"), args: []string{"queue"},
			code: 1, stderr: "DEADLINE_EXCEEDED"},
		{name: "COMMENTCTL_TIMEOUT in the hint", env: with("TIMEOUT", "1ns"), args: []string{"queue"},
			code: 1, stderr: "hint: no answer within --timeout 1ns"},
		{name: "--timeout beats COMMENTCTL_TIMEOUT", env: with("TIMEOUT", "1ns"),
			args: []string{"--timeout", "1m", "queue", "-o", "ids"}},
		{name: "--timeout beats a COMMENTCTL_TIMEOUT that does not parse", env: with("TIMEOUT", "soon"),
			args: []string{"--timeout", "1m", "queue", "-o", "ids"}},
		// The same words as commentd's for a COMMENTD_ variable that does not parse.
		{name: "a COMMENTCTL_TIMEOUT that does not parse", env: with("TIMEOUT", "soon"), args: []string{"queue"},
			code: 2, exact: true, stderr: `commentctl: error parsing environment variables: error setting flag "timeout" from environment variable "COMMENTCTL_TIMEOUT": time: invalid duration "soon"` +
				"\nRun 'commentctl queue --help' for usage.\n"},

		{name: "COMMENTCTL_CACERT", reads: "COMMENTCTL_CACERT", env: full, args: []string{"queue", "-o", "ids"}},
		{name: "without COMMENTCTL_CACERT, plaintext", env: with("CACERT", ""), args: []string{"queue", "--timeout", "10s"},
			code: 1, stderr: "UNAVAILABLE"},
		{name: "--cacert beats COMMENTCTL_CACERT", env: with("CACERT", missing),
			args: []string{"--cacert", ca.PEMPath, "queue", "-o", "ids"}},

		{name: "COMMENTCTL_CERT and COMMENTCTL_KEY", reads: "COMMENTCTL_CERT COMMENTCTL_KEY",
			env: with("TOKEN", "", "CERT", admin.CertPath, "KEY", admin.KeyPath), args: []string{"words", "list", "-o", "ids"}},
		{name: "--cert and --key beat COMMENTCTL_CERT and COMMENTCTL_KEY", env: with("TOKEN", "", "CERT", missing, "KEY", missing),
			args: []string{"--cert", admin.CertPath, "--key", admin.KeyPath, "words", "list", "-o", "ids"}},

		{name: "COMMENTCTL_SITE_KEY", reads: "COMMENTCTL_SITE_KEY", env: with("SITE_KEY", siteKey), args: checkArgs,
			stdout: "decision  PENDING"},
		{name: "without a site key, the moderator's token (which needs --site)", env: full, args: checkArgs,
			code: 1, stderr: "site is required"},
		{name: "--site-key beats COMMENTCTL_SITE_KEY", env: with("SITE_KEY", "not-a-site-key"),
			args: append([]string{"--site-key", siteKey}, checkArgs...), stdout: "decision  PENDING"},
		{name: "--site-key= beats COMMENTCTL_SITE_KEY", env: with("SITE_KEY", siteKey),
			args: append([]string{"--site-key="}, checkArgs...), code: 1, stderr: "site is required"},

		// -o is a choice per run, not a setting: no variable sets it.
		{name: "unknown COMMENTCTL_ variables are ignored",
			env:  with("SERVR", "127.0.0.1:1", "NO_SUCH_SETTING", "1", "OUTPUT", "json"),
			args: []string{"queue"}, exact: true, stderr: "commentctl: no pending comments\n"},
	}
	read := map[string]bool{}
	for _, c := range cases {
		for _, env := range strings.Fields(c.reads) {
			read[env] = true
		}
		t.Run(c.name, func(t *testing.T) {
			env := ctlEnv("", "")
			env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "COMMENTCTL_") })
			for k, v := range c.env {
				env = append(env, "COMMENTCTL_"+k+"="+v)
			}
			r := ctlWith(t, env, "", c.args...)
			r.wantCode(t, c.code, strings.Join(c.args, " "))
			if !strings.HasPrefix(r.stdout, c.stdout) {
				t.Errorf("stdout %q, want it to start with %q", r.stdout, c.stdout)
			}
			if c.exact && r.stderr != c.stderr || !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("stderr:\n%s\nwant %s:\n%s", r.stderr, map[bool]string{true: "exactly", false: "it to contain"}[c.exact], c.stderr)
			}
		})
	}
	for env := range documentedEnv(t) {
		if !read[env] {
			t.Errorf("no case shows that %s is read", env)
		}
	}
}
