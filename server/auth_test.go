package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/server"
)

func startWithCredentials(t *testing.T, sites, moderators string) *grpc.ClientConn {
	t.Helper()
	return startWithCredentialsOn(t, sqliteStore(t), sites, moderators)
}

// startWithCredentialsOn serves st with the given site keys and moderator
// tokens and dials it.
func startWithCredentialsOn(t *testing.T, st moderation.Store, sites, moderators string, opts ...moderation.Option) *grpc.ClientConn {
	t.Helper()
	creds, err := server.ParseCredentials(sites, moderators)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := moderation.NewService(st, append([]moderation.Option{moderation.WithPolicy(testPolicy())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	run(t, svc)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(svc, server.WithCredentials(creds), server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	go srv.Serve(lis)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func as(t *testing.T, token string) context.Context {
	ctx := ctxT(t)
	if token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
	}
	return ctx
}

func TestAuthentication(t *testing.T) {
	conn := startWithCredentials(t, "news:site-key-1", "asha:tok-asha:admin,ravi:tok-ravi")
	comments := pb.NewCommentServiceClient(conn)
	mod := pb.NewModerationServiceClient(conn)

	for _, tc := range []struct {
		name string
		call func() error
		want codes.Code
	}{
		{"site submits", func() error {
			_, err := comments.SubmitComment(as(t, "site-key-1"), submission("auth", "hello"))
			return err
		}, codes.OK},
		{"no key", func() error { _, err := comments.SubmitComment(as(t, ""), submission("auth", "hello")); return err }, codes.Unauthenticated},
		{"wrong key", func() error {
			_, err := comments.SubmitComment(as(t, "site-key-2"), submission("auth", "hello"))
			return err
		}, codes.Unauthenticated},
		{"moderator token on comments", func() error {
			_, err := comments.SubmitComment(as(t, "tok-asha"), submission("auth", "hello"))
			return err
		}, codes.PermissionDenied},
		{"site key on moderation", func() error { _, err := mod.ListQueue(as(t, "site-key-1"), &pb.ListQueueRequest{}); return err }, codes.PermissionDenied},
		{"moderator lists", func() error { _, err := mod.ListQueue(as(t, "tok-ravi"), &pb.ListQueueRequest{}); return err }, codes.OK},
		{"moderator may not change word lists", func() error {
			_, err := mod.UpdateWordList(as(t, "tok-ravi"), &pb.UpdateWordListRequest{List: pb.WordList_WORD_LIST_BLOCK, Add: []string{"x"}})
			return err
		}, codes.PermissionDenied},
		{"moderator may not export an author", func() error {
			_, err := mod.ExportAuthorData(as(t, "tok-ravi"), &pb.ExportAuthorDataRequest{AuthorEmail: "x@example.com"})
			return err
		}, codes.PermissionDenied},
		{"admin changes word lists", func() error {
			_, err := mod.UpdateWordList(as(t, "tok-asha"), &pb.UpdateWordListRequest{List: pb.WordList_WORD_LIST_BLOCK, Add: []string{"x"}})
			return err
		}, codes.OK},
		{"stream without token", func() error {
			s, err := mod.WatchQueue(as(t, ""), &pb.WatchQueueRequest{})
			if err == nil {
				_, err = s.Recv()
			}
			return err
		}, codes.Unauthenticated},
		{"stream with a site key", func() error {
			s, err := mod.WatchQueue(as(t, "site-key-1"), &pb.WatchQueueRequest{})
			if err == nil {
				_, err = s.Recv()
			}
			return err
		}, codes.PermissionDenied},
		{"health stays open", func() error {
			_, err := healthpb.NewHealthClient(conn).Check(as(t, ""), &healthpb.HealthCheckRequest{})
			return err
		}, codes.OK},
	} {
		if got := status.Code(tc.call()); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	// The audit trail names the moderator who acted.
	ev, err := mod.ListAuditEvents(as(t, "tok-ravi"), &pb.ListAuditEventsRequest{})
	if err != nil || len(ev.GetEvents()) != 1 || ev.GetEvents()[0].GetActor() != "asha" {
		t.Errorf("audit = %v, %v; want asha's word-list change", ev, err)
	}
}

// refusal is a call's status code and message.
type refusal struct {
	code codes.Code
	msg  string
}

func refusalOf(err error) refusal {
	st, _ := status.FromError(err)
	return refusal{st.Code(), st.Message()}
}

// TestOneKindOfSecretClosesTheOtherService: trusting every caller is only
// for a server with no credentials at all. With only site keys, nobody may
// moderate; with only moderator tokens, nobody may submit.
func TestOneKindOfSecretClosesTheOtherService(t *testing.T) {
	closedMod := refusal{codes.Unauthenticated, "this server has no moderator tokens configured: set COMMENTD_MODERATOR_TOKENS"}
	closedSites := refusal{codes.Unauthenticated, "this server has no site keys configured: set COMMENTD_SITE_KEYS"}

	t.Run("site keys only", func(t *testing.T) {
		conn := startWithCredentials(t, "news:site-key-1", "")
		comments := pb.NewCommentServiceClient(conn)
		mod := pb.NewModerationServiceClient(conn)
		req := submission("one-sided", "hello")
		email := req.GetAuthor().GetEmail()
		sub, err := comments.SubmitComment(as(t, "site-key-1"), req)
		if err != nil {
			t.Fatalf("the configured site submits: %v", err)
		}
		for _, token := range []string{"", "some-token", "site-key-1"} {
			calls := map[string]error{}
			_, calls["ListQueue"] = mod.ListQueue(as(t, token), &pb.ListQueueRequest{Status: pb.CommentStatus_COMMENT_STATUS_PUBLISHED})
			_, calls["GetCommentDetail"] = mod.GetCommentDetail(as(t, token), &pb.GetCommentDetailRequest{Id: sub.GetComment().GetId()})
			_, calls["ExportAuthorData"] = mod.ExportAuthorData(as(t, token), &pb.ExportAuthorDataRequest{AuthorEmail: email})
			_, calls["EraseAuthorData"] = mod.EraseAuthorData(as(t, token), &pb.EraseAuthorDataRequest{AuthorEmail: email})
			_, calls["CreateBan"] = mod.CreateBan(as(t, token), &pb.CreateBanRequest{Ban: &pb.Ban{Target: &pb.Ban_Ip{Ip: "192.0.2.1"}}})
			w, err := mod.WatchQueue(as(t, token), &pb.WatchQueueRequest{})
			if err == nil {
				_, err = w.Recv()
			}
			calls["WatchQueue"] = err
			for name, err := range calls {
				if got := refusalOf(err); got != closedMod {
					t.Errorf("%s with token %q: %v, want %v", name, token, got, closedMod)
				}
			}
		}
		// Nothing was erased: the comment is still there, untouched.
		list, err := comments.ListComments(as(t, "site-key-1"), &pb.ListCommentsRequest{ArticleId: "one-sided"})
		if err != nil || len(list.GetComments()) != 1 || list.GetComments()[0].GetBody() != "hello" {
			t.Errorf("ListComments = %v, %v; want the one comment", list, err)
		}
	})

	t.Run("moderator tokens only", func(t *testing.T) {
		conn := startWithCredentials(t, "", "asha:tok-asha:admin")
		comments := pb.NewCommentServiceClient(conn)
		mod := pb.NewModerationServiceClient(conn)
		for _, token := range []string{"", "some-key", "tok-asha"} {
			_, err := comments.SubmitComment(as(t, token), submission("one-sided", "hello"))
			if got := refusalOf(err); got != closedSites {
				t.Errorf("SubmitComment with key %q: %v, want %v", token, got, closedSites)
			}
			_, err = comments.ListComments(as(t, token), &pb.ListCommentsRequest{ArticleId: "one-sided"})
			if got := refusalOf(err); got != closedSites {
				t.Errorf("ListComments with key %q: %v, want %v", token, got, closedSites)
			}
		}
		for _, token := range []string{"", "some-token"} {
			if _, err := mod.ListQueue(as(t, token), &pb.ListQueueRequest{}); status.Code(err) != codes.Unauthenticated {
				t.Errorf("ListQueue with token %q: %v, want UNAUTHENTICATED", token, err)
			}
		}
		q, err := mod.ListQueue(as(t, "tok-asha"), &pb.ListQueueRequest{Status: pb.CommentStatus_COMMENT_STATUS_PUBLISHED})
		if err != nil || len(q.GetComments()) != 0 {
			t.Errorf("the configured moderator lists: %v, %v; want an empty queue", q, err)
		}
	})
}

func TestParseCredentialsNeverEchoesSecrets(t *testing.T) {
	for _, bad := range [][2]string{{"news", ""}, {"", "asha:s3cr3t:root"}, {"", "asha"}, {":s3cr3t", ""}} {
		_, err := server.ParseCredentials(bad[0], bad[1])
		if err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error %q repeats the secret", err)
		}
	}
}
