package server_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/internal/testcert"
	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/notify"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/server"
)

// TestMutualTLS serves over TLS with client certificates accepted as
// identities, next to a bearer token, and checks every outcome.
func TestMutualTLS(t *testing.T) {
	ca := testcert.NewCA(t)
	srvPair := ca.Server("server")
	cfg, err := server.TLSConfig(srvPair.CertPath, srvPair.KeyPath, ca.PEMPath)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := server.ParseCredentials("", "ravi:tok-ravi")
	if err != nil {
		t.Fatal(err)
	}
	creds.AcceptClientCertificates()
	svc, err := moderation.NewService(sqliteStore(t), moderation.WithPolicy(testPolicy()), moderation.WithBus(notify.NewLocal()))
	if err != nil {
		t.Fatal(err)
	}
	run(t, svc)
	srv := server.New(svc, server.WithCredentials(creds), server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		server.WithGRPCOptions(grpc.Creds(credentials.NewTLS(cfg))))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})

	dial := func(certs ...tls.Certificate) (pb.CommentServiceClient, pb.ModerationServiceClient) {
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{
			RootCAs: ca.Pool(), Certificates: certs, MinVersion: tls.VersionTLS12,
		})))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return pb.NewCommentServiceClient(conn), pb.NewModerationServiceClient(conn)
	}
	site := ca.Client("site", pkix.Name{OrganizationalUnit: []string{"site"}, CommonName: "news"})
	mod := ca.Client("ravi", pkix.Name{OrganizationalUnit: []string{"moderator"}, CommonName: "ravi"})
	admin := ca.Client("asha", pkix.Name{OrganizationalUnit: []string{"admin"}, CommonName: "asha"})
	nobody := ca.Client("nobody", pkix.Name{CommonName: "nobody"})
	stranger := testcert.NewCA(t).Client("stranger", pkix.Name{OrganizationalUnit: []string{"admin"}, CommonName: "mallory"})

	siteC, siteM := dial(site.TLS)
	_, modM := dial(mod.TLS)
	_, adminM := dial(admin.TLS)
	anonC, anonM := dial()
	_, nobodyM := dial(nobody.TLS)
	_, strangerM := dial(stranger.TLS)

	addWord := func(m pb.ModerationServiceClient, ctx context.Context) error {
		_, err := m.UpdateWordList(ctx, &pb.UpdateWordListRequest{List: pb.WordList_WORD_LIST_HOLD, Add: []string{"jackpot"}})
		return err
	}
	// watch opens a WatchQueue and reads from it briefly: a refused stream
	// fails at once, an accepted one has nothing to say yet.
	watch := func(m pb.ModerationServiceClient) error {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		s, err := m.WatchQueue(ctx, &pb.WatchQueueRequest{})
		if err == nil {
			_, err = s.Recv()
		}
		if status.Code(err) == codes.DeadlineExceeded {
			return nil
		}
		return err
	}
	for _, tc := range []struct {
		name string
		err  error
		want codes.Code
	}{
		{"site certificate submits", func() error { _, err := siteC.SubmitComment(ctxT(t), submission("tls", "over TLS")); return err }(), codes.OK},
		{"site certificate on moderation", func() error { _, err := siteM.ListQueue(ctxT(t), &pb.ListQueueRequest{}); return err }(), codes.PermissionDenied},
		{"moderator certificate lists", func() error { _, err := modM.ListQueue(ctxT(t), &pb.ListQueueRequest{}); return err }(), codes.OK},
		{"moderator certificate watches", watch(modM), codes.OK},
		{"moderator certificate may not change word lists", addWord(modM, ctxT(t)), codes.PermissionDenied},
		{"admin certificate changes word lists", addWord(adminM, ctxT(t)), codes.OK},
		{"no certificate, no token", func() error { _, err := anonM.ListQueue(ctxT(t), &pb.ListQueueRequest{}); return err }(), codes.Unauthenticated},
		{"no certificate, a token", func() error { _, err := anonM.ListQueue(as(t, "tok-ravi"), &pb.ListQueueRequest{}); return err }(), codes.OK},
		{"no certificate submitting", func() error { _, err := anonC.SubmitComment(ctxT(t), submission("tls", "who am I")); return err }(), codes.Unauthenticated},
		{"certificate without a role", func() error { _, err := nobodyM.ListQueue(ctxT(t), &pb.ListQueueRequest{}); return err }(), codes.Unauthenticated},
		{"certificate from another CA", func() error { _, err := strangerM.ListQueue(ctxT(t), &pb.ListQueueRequest{}); return err }(), codes.Unavailable},
		{"stream without credentials", watch(anonM), codes.Unauthenticated},
	} {
		if got := status.Code(tc.err); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	ev, err := modM.ListAuditEvents(ctxT(t), &pb.ListAuditEventsRequest{})
	if err != nil || len(ev.GetEvents()) != 1 || ev.GetEvents()[0].GetActor() != "asha" {
		t.Errorf("audit = %v, %v; want asha's change, named from her certificate", ev, err)
	}

	plain, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := pb.NewModerationServiceClient(plain).ListQueue(as(t, "tok-ravi"), &pb.ListQueueRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("plaintext client on a TLS server: %v, want a failed connection", err)
	}
}

func TestHashedSecrets(t *testing.T) {
	digest := sha256.Sum256([]byte("plain-site-key"))
	tok := sha256.Sum256([]byte("plain-token"))
	conn := startWithCredentials(t, "news:sha256:"+hex.EncodeToString(digest[:]), "asha:sha256:"+hex.EncodeToString(tok[:])+":admin")
	if _, err := pb.NewCommentServiceClient(conn).SubmitComment(as(t, "plain-site-key"), submission("hashed", "hi")); err != nil {
		t.Errorf("site key given as its digest: %v", err)
	}
	if _, err := pb.NewModerationServiceClient(conn).UpdateWordList(as(t, "plain-token"),
		&pb.UpdateWordListRequest{List: pb.WordList_WORD_LIST_BLOCK, Add: []string{"x"}}); err != nil {
		t.Errorf("admin token given as its digest: %v", err)
	}
	if _, err := pb.NewCommentServiceClient(conn).SubmitComment(as(t, "sha256:"+hex.EncodeToString(digest[:])), submission("hashed", "hi")); status.Code(err) != codes.Unauthenticated {
		t.Errorf("the digest itself as a key: %v, want UNAUTHENTICATED", err)
	}
	if _, err := server.ParseCredentials("news:sha256:abc", ""); err == nil {
		t.Error("a short digest was accepted")
	}
}
