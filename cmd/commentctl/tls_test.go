package main

import (
	"crypto/x509/pkix"
	"strings"
	"testing"

	"github.com/commentd/commentd/client/commentdtest"
	"github.com/commentd/commentd/internal/testcert"
)

// TestTLS runs commentctl against a commentd serving TLS with client
// certificates: a token over TLS, a certificate instead of a token, and a
// refusal without the CA.
func TestTLS(t *testing.T) {
	ca := testcert.NewCA(t)
	srvPair := ca.Server("server")
	admin := ca.Client("asha", pkix.Name{OrganizationalUnit: []string{"admin"}, CommonName: "asha"})
	srv := commentdtest.Start(t, commentdtest.Config{Binary: commentdBin, Policy: holdAll, Env: []string{
		moderators, "COMMENTD_TLS_CERT=" + srvPair.CertPath, "COMMENTD_TLS_KEY=" + srvPair.KeyPath,
		"COMMENTD_TLS_CLIENT_CA=" + ca.PEMPath,
	}})

	if r := ctl(t, srv.Addr, "", "queue", "--cacert", ca.PEMPath); r.code != 0 {
		t.Errorf("token over TLS: exit %d, %s", r.code, r.stderr)
	}
	certOnly := append(ctlEnv(srv.Addr, ""), "COMMENTCTL_CACERT="+ca.PEMPath,
		"COMMENTCTL_CERT="+admin.CertPath, "COMMENTCTL_KEY="+admin.KeyPath)
	if r := ctlWith(t, certOnly, "", "words", "add", "block", "tlsword"); r.code != 0 {
		t.Fatalf("admin certificate, no token: exit %d, %s", r.code, r.stderr)
	}
	if r := ctlWith(t, certOnly, "", "audit"); r.code != 0 || !strings.Contains(r.stdout, "asha") || !strings.Contains(r.stdout, "wordlist") {
		t.Errorf("audit as the certificate's moderator: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := ctl(t, srv.Addr, "", "queue"); r.code == 0 {
		t.Errorf("plaintext against a TLS server succeeded:\n%s", r.stdout)
	}
	if r := ctl(t, srv.Addr, "", "queue", "--cacert", ca.PEMPath, "--cert", admin.CertPath); r.code != 2 {
		t.Errorf("--cert without --key: exit %d, want 2 (usage)", r.code)
	}
}

// TestAuthorData exports and erases one author's data through commentctl.
func TestAuthorData(t *testing.T) {
	srv := startCommentd(t, "")
	c := dialT(t, srv.Addr)
	for i := 0; i < 2; i++ {
		submit(t, c, "2026/11/gdpr", "प्रिया शर्मा", "priya@example.in", "मेरी टिप्पणी "+string(rune('A'+i)))
	}
	r := ctl(t, srv.Addr, "", "author", "export", "priya@example.in", "-o", "json")
	if r.code != 0 || strings.Count(r.stdout, "priya@example.in") != 2 {
		t.Fatalf("export: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := ctl(t, srv.Addr, "", "author", "erase", "priya@example.in"); r.code != 2 {
		t.Errorf("erase without --yes: exit %d, want 2", r.code)
	}
	r = ctl(t, srv.Addr, "", "author", "erase", "priya@example.in", "--yes", "--note", "request 42")
	if r.code != 0 || !strings.Contains(r.stdout, "erased 2 comments") {
		t.Fatalf("erase: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := ctl(t, srv.Addr, "", "author", "export", "priya@example.in", "-o", "json"); r.code != 0 || strings.Contains(r.stdout, "priya") {
		t.Errorf("export after erasure still shows the author:\n%s", r.stdout)
	}
}
