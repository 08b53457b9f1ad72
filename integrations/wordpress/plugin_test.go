package wordpress_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireEnv, set to "require" (as CI does), turns these tests' skips for
// want of PHP, MariaDB or WordPress into failures.
const requireEnv = "COMMENTD_TEST_WORDPRESS"

// needPHP returns php-cli's path, or skips (fails with
// COMMENTD_TEST_WORDPRESS=require) saying it is missing.
func needPHP(t *testing.T) string {
	t.Helper()
	php, err := exec.LookPath("php")
	if err != nil {
		msg := "PHP checks of the WordPress plugin skipped: php not found (package php-cli); as root, scripts/install-wordpress-deps.sh installs it"
		if os.Getenv(requireEnv) == "require" {
			t.Fatal(msg + " (" + requireEnv + "=require)")
		}
		t.Skip(msg)
	}
	return php
}

// TestPluginUnits lints every PHP file of the plugin with the PHP on this
// machine and runs the checks of its parts that need no WordPress.
func TestPluginUnits(t *testing.T) {
	php := needPHP(t)
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".php") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 7 {
		t.Fatalf("found only %d PHP files: %v", len(files), files)
	}
	for _, f := range files {
		if out, err := exec.Command(php, "-l", f).CombinedOutput(); err != nil {
			t.Errorf("php -l %s: %v\n%s", f, err, out)
		}
	}
	out, err := exec.Command(php, filepath.Join("testdata", "unit.php")).CombinedOutput()
	if err != nil || !strings.HasSuffix(string(out), " passed, 0 failed\n") {
		t.Fatalf("php testdata/unit.php: %v\n%s", err, out)
	}
	t.Logf("php testdata/unit.php: %s", strings.TrimSpace(string(out)))
}
