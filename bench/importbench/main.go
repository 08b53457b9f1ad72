// Command importbench measures `commentctl import`: it writes a WordPress
// export (WXR 1.2) of -comments comments, imports it with the real
// commentctl into a real commentd on a fresh SQLite file (or the
// PostgreSQL of COMMENTD_TEST_POSTGRES with -store postgres), imports it
// again, and prints for each run the time, what was stored, and the peak
// resident memory of commentctl and of commentd.
//
// Run it from the repository root: go run ./bench/importbench [-comments 100000].
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	n := flag.Int("comments", 100_000, "comments in the export")
	perPost := flag.Int("per-post", 10, "comments per post")
	store := flag.String("store", "sqlite", "sqlite or postgres (COMMENTD_TEST_POSTGRES, an admin URL)")
	flag.Parse()
	if err := run(*n, *perPost, *store); err != nil {
		log.Fatal(err)
	}
}

func run(n, perPost int, store string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "importbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, pkg := range []string{"commentd", "commentctl"} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, pkg), "./cmd/"+pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	export := filepath.Join(dir, "export.xml")
	size, err := writeWXR(export, n, perPost)
	if err != nil {
		return err
	}
	fmt.Printf("export: %d comments on %d posts, %.1f MiB\n", n, (n+perPost-1)/perPost, float64(size)/(1<<20))

	db := filepath.Join(dir, "commentd.db")
	if store == "postgres" {
		var drop func()
		if db, drop, err = pgDatabase(ctx); err != nil {
			return err
		}
		defer drop()
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	srv := exec.Command(filepath.Join(dir, "commentd"), "--db", db, "--listen", addr)
	srv.Env = []string{"PATH=" + os.Getenv("PATH")}
	var srvLog bytes.Buffer
	srv.Stdout, srv.Stderr = &srvLog, &srvLog
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Process.Kill()
	if err := waitTCP(addr); err != nil {
		return fmt.Errorf("%v\n%s", err, srvLog.String())
	}
	for _, run := range []string{"first import", "second import"} {
		cmd := exec.Command(filepath.Join(dir, "commentctl"), "import", "--site", "news", "--format", "wxr", export)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "COMMENTCTL_SERVER=" + addr}
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		start := time.Now()
		err := cmd.Run()
		elapsed := time.Since(start)
		if err != nil {
			return fmt.Errorf("%s: %v\n%s%s", run, err, out.String(), errOut.String())
		}
		ctlRSS := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
		srvRSS, err := peakRSS(srv.Process.Pid)
		if err != nil {
			return err
		}
		fmt.Printf("%s: %.1f s (%.0f comments/s); commentctl peak RSS %.0f MiB, commentd peak RSS so far %.0f MiB\n  %s",
			run, elapsed.Seconds(), float64(n)/elapsed.Seconds(), float64(ctlRSS)/1024, float64(srvRSS)/1024, out.String())
	}
	return nil
}

// peakRSS reads a process's peak resident set (VmHWM), in KiB.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

var (
	hindi   = strings.Fields("बहुत अच्छा लेख किसानों के लिए बजट सही दिशा में है सरकार को ध्यान देना चाहिए मानसून सत्र संसद बहस रिपोर्ट धन्यवाद सहमत असहमत शिक्षा स्वास्थ्य रेल सड़क गाँव शहर पानी बिजली महँगाई रोज़गार युवा")
	english = strings.Fields("good report budget farmers policy session parliament debate thanks agree disagree education health railway roads village city water power prices jobs youth really should must never always")
	names   = strings.Fields("प्रिया राहुल अनीता सुरेश कविता फ़रहान Meera Arjun Kiran Vikram Asha Ravi Neha Imran Pooja Sanjay")
	surname = strings.Fields("शर्मा वर्मा देशमुख नायर Ali Singh Iyer Khan Gupta Patel")
)

// writeWXR writes n comments, perPost a post, as WordPress exports them:
// a third are replies, most approved, some pending, spam or trashed.
func writeWXR(path string, n, perPost int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
	<title>समाचार</title>
	<wp:wxr_version>1.2</wp:wxr_version>
`)
	base := time.Date(2020, time.January, 1, 0, 0, 0, 0, time.UTC)
	for id := 1; id <= n; {
		post := (id-1)/perPost + 1
		fmt.Fprintf(w, "\t<item>\n\t\t<title><![CDATA[लेख %d]]></title>\n\t\t<content:encoded><![CDATA[<p>The article's text.</p>]]></content:encoded>\n\t\t<wp:post_id>%d</wp:post_id>\n\t\t<wp:post_name><![CDATA[post-%d]]></wp:post_name>\n\t\t<wp:status><![CDATA[publish]]></wp:status>\n\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n", post, post, post)
		first := id
		for ; id <= n && (id-1)/perPost+1 == post; id++ {
			author := r.IntN(n/3 + 1)
			parent := 0
			if id > first && r.IntN(3) == 0 {
				parent = first + r.IntN(id-first)
			}
			status := "1"
			switch p := r.IntN(20); {
			case p == 0:
				status = "spam"
			case p == 1:
				status = "trash"
			case p < 4:
				status = "0"
			}
			var body strings.Builder
			for range 20 + r.IntN(40) {
				if r.IntN(2) == 0 {
					body.WriteString(hindi[r.IntN(len(hindi))])
				} else {
					body.WriteString(english[r.IntN(len(english))])
				}
				body.WriteByte(' ')
			}
			fmt.Fprintf(&body, "%d", id)
			t := base.Add(time.Duration(id) * 7 * time.Minute)
			fmt.Fprintf(w, `		<wp:comment>
			<wp:comment_id>%d</wp:comment_id>
			<wp:comment_author><![CDATA[%s %s]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[reader%d@example.in]]></wp:comment_author_email>
			<wp:comment_author_url></wp:comment_author_url>
			<wp:comment_author_IP><![CDATA[203.0.%d.%d]]></wp:comment_author_IP>
			<wp:comment_date><![CDATA[%s]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[%s]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[%s]]></wp:comment_content>
			<wp:comment_approved><![CDATA[%s]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>%d</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
		</wp:comment>
`, id, names[author%len(names)], surname[author%len(surname)], author, author/250%250, author%250+1,
				t.Add(330*time.Minute).Format(time.DateTime), t.Format(time.DateTime), body.String(), status, parent)
		}
		fmt.Fprint(w, "\t</item>\n")
	}
	fmt.Fprint(w, "</channel>\n</rss>\n")
	if err := w.Flush(); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// pgDatabase creates a fresh database on COMMENTD_TEST_POSTGRES's server,
// and returns its URL and what drops it.
func pgDatabase(ctx context.Context) (string, func(), error) {
	admin := os.Getenv("COMMENTD_TEST_POSTGRES")
	if admin == "" {
		return "", nil, fmt.Errorf("-store postgres needs COMMENTD_TEST_POSTGRES (run under scripts/with-services.sh)")
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("importbench_%d", time.Now().UnixNano())
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE DATABASE " + name); err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() { _ = exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") }, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitTCP(addr string) error {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return nil
		}
	}
	return fmt.Errorf("commentd did not listen on %s", addr)
}
