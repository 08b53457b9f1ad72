package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/internal/testpg"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// faultEnv configures a commentd whose comments are all published, so a
// listing shows every stored one, and that limits nothing.
func faultEnv(t *testing.T, db string) []string {
	cfg := filepath.Join(t.TempDir(), "commentd.yaml")
	// Rate limits off: these tests are about storage under faults.
	writeFile(t, cfg, "rules:\n  first_time_hold: false\n  starter_rules: false\n"+
		"rate_limits:\n  client_ip: {burst: 0}\n  author_email: {burst: 0}\n  network: {burst: 0}\n  article_surge: {burst: 0}\n")
	return []string{"COMMENTD_DB=" + db, "COMMENTD_CONFIG=" + cfg}
}

func stormRequest(i int) *pb.SubmitCommentRequest {
	return &pb.SubmitCommentRequest{
		ArticleId: "storm",
		Author:    &pb.Author{Name: fmt.Sprintf("Reader %d", i), Email: fmt.Sprintf("reader%d@example.in", i)},
		Body:      fmt.Sprintf("storm comment number %d", i),
		Client:    &pb.ClientInfo{Ip: fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256)},
		RequestId: fmt.Sprintf("storm-%d", i),
	}
}

// storedIDs lists every published comment on the storm article.
func storedIDs(t *testing.T, addr string) []string {
	t.Helper()
	c := pb.NewCommentServiceClient(dial(t, addr))
	var ids []string
	req := &pb.ListCommentsRequest{ArticleId: "storm", PageSize: 100}
	for {
		page, err := c.ListComments(ctxT(t), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, cm := range page.GetComments() {
			ids = append(ids, cm.GetId())
		}
		if req.PageToken = page.GetNextPageToken(); req.PageToken == "" {
			return ids
		}
	}
}

// checkExactlyOnce asserts that every acknowledged comment is stored once
// and nothing else is.
func checkExactlyOnce(t *testing.T, stored []string, acked map[int]string) {
	t.Helper()
	count := map[string]int{}
	for _, id := range stored {
		count[id]++
	}
	for i, id := range acked {
		if count[id] != 1 {
			t.Errorf("acknowledged comment %d (%s) is stored %d times", i, id, count[id])
		}
	}
	if len(stored) != len(acked) {
		t.Errorf("%d comments stored, %d acknowledged", len(stored), len(acked))
	}
}

// TestSIGKILLMidStream kills commentd with SIGKILL while comments stream
// in, restarts it on the same database, and retries every unanswered
// submission with its request_id: every acknowledged comment is stored
// exactly once, and no retry creates a duplicate.
func TestSIGKILLMidStream(t *testing.T) {
	env := append(faultEnv(t, filepath.Join(t.TempDir(), "kill.db")), "COMMENTD_LISTEN=127.0.0.1:0")
	p := startCommentd(t, env)
	c := pb.NewCommentServiceClient(dial(t, p.addr))

	acked := map[int]string{}
	var unanswered []int
	const n = 300
	for i := 0; i < n; i++ {
		if i == n/2 {
			p.cmd.Process.Signal(syscall.SIGKILL)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		r, err := c.SubmitComment(ctx, stormRequest(i))
		cancel()
		switch status.Code(err) {
		case codes.OK:
			acked[i] = r.GetComment().GetId()
		case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
			unanswered = append(unanswered, i)
		default:
			t.Fatalf("submission %d: %v, want OK or a connection failure", i, err)
		}
	}
	if len(unanswered) == 0 {
		t.Fatal("the kill interrupted nothing")
	}

	p2 := startCommentd(t, env)
	c2 := pb.NewCommentServiceClient(dial(t, p2.addr))
	retryAll(t, c2, n, acked)
	checkExactlyOnce(t, storedIDs(t, p2.addr), acked)
}

// TestPostgresBackendsCutMidStream terminates commentd's PostgreSQL
// connections again and again while comments stream in: every answer is
// OK or UNAVAILABLE, and after retries with the same request_id every
// comment is stored exactly once.
func TestPostgresBackendsCutMidStream(t *testing.T) {
	dsn := testpg.NewDatabase(t)
	p := startCommentd(t, append(faultEnv(t, dsn), "COMMENTD_LISTEN=127.0.0.1:0"))
	c := pb.NewCommentServiceClient(dial(t, p.addr))

	admin, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	stop := make(chan struct{})
	var cuts sync.WaitGroup
	cuts.Add(1)
	go func() {
		defer cuts.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			admin.Exec(context.Background(),
				"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
		}
	}()

	const n = 200
	acked := map[int]string{}
	var failed []int
	for i := 0; i < n; i++ {
		r, err := c.SubmitComment(ctxT(t), stormRequest(i))
		switch status.Code(err) {
		case codes.OK:
			acked[i] = r.GetComment().GetId()
		case codes.Unavailable:
			failed = append(failed, i)
		default:
			t.Fatalf("submission %d while backends are cut: %v, want OK or UNAVAILABLE", i, err)
		}
	}
	close(stop)
	cuts.Wait()
	t.Logf("%d of %d submissions failed while backends were cut", len(failed), n)
	retryAll(t, c, n, acked)
	checkExactlyOnce(t, storedIDs(t, p.addr), acked)
}

// retryAll resends submissions 0 to n-1 with their request ids: the
// acknowledged ones must come back with their first id, the others be
// stored now. acked gains every id.
func retryAll(t *testing.T, c pb.CommentServiceClient, n int, acked map[int]string) {
	t.Helper()
	for i := 0; i < n; i++ {
		// As a site does: UNAVAILABLE is retried with the same request id.
		// Right after the cuts stop, the pool may still hand out a
		// connection the last cut killed; it fails once and is dropped.
		r, err := c.SubmitComment(ctxT(t), stormRequest(i))
		for tries := 1; status.Code(err) == codes.Unavailable && tries < 5; tries++ {
			r, err = c.SubmitComment(ctxT(t), stormRequest(i))
		}
		if err != nil {
			t.Fatalf("retry %d: %v", i, err)
		}
		if id, ok := acked[i]; ok && r.GetComment().GetId() != id {
			t.Errorf("retry %d got id %s, first answer was %s", i, r.GetComment().GetId(), id)
		}
		acked[i] = r.GetComment().GetId()
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSIGTERMWithCallsInFlight holds submissions inside commentd (a lock
// on its table), sends SIGTERM, and checks that new calls are refused, the
// held calls complete once the lock goes, and the process exits by itself.
func TestSIGTERMWithCallsInFlight(t *testing.T) {
	dsn := testpg.NewDatabase(t)
	p := startCommentd(t, append(faultEnv(t, dsn), "COMMENTD_LISTEN=127.0.0.1:0", "COMMENTD_SHUTDOWN_TIMEOUT=30s"))
	conn := dial(t, p.addr)
	c := pb.NewCommentServiceClient(conn)
	if _, err := c.SubmitComment(ctxT(t), stormRequest(0)); err != nil { // warm up the pool
		t.Fatal(err)
	}

	admin, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	tx, err := admin.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(context.Background(), "LOCK TABLE comments IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}

	const inFlight = 3 // under the pool size, so each waits on the lock itself
	errs := make(chan error, inFlight)
	for i := 1; i <= inFlight; i++ {
		go func() {
			_, err := c.SubmitComment(ctxT(t), stormRequest(i))
			errs <- err
		}()
	}
	// Wait until all of them wait on the lock.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var waiting int
		admin.QueryRow(context.Background(), "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'comments'::regclass").Scan(&waiting)
		if waiting >= inFlight {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d submissions reached the lock", waiting)
		}
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, "shutting down")
	// A new connection is refused once the listener is closed.
	late := pb.NewCommentServiceClient(dial(t, p.addr))
	if _, err := late.SubmitComment(ctxT(t), stormRequest(99)); status.Code(err) != codes.Unavailable {
		t.Errorf("a new call during shutdown: %v, want UNAVAILABLE", err)
	}

	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < inFlight; i++ {
		if err := <-errs; err != nil {
			t.Errorf("an in-flight submission failed: %v", err)
		}
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("commentd exited with %v", err)
		}
		p.done <- nil
	case <-time.After(30 * time.Second):
		t.Fatal("commentd did not exit")
	}
	var stored int
	if err := admin.QueryRow(context.Background(), "SELECT count(*) FROM comments").Scan(&stored); err != nil || stored != inFlight+1 {
		t.Errorf("%d comments stored (%v), want %d", stored, err, inFlight+1)
	}
}
