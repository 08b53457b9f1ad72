// Command echo is the baseline of `make bench`: commentd's CommentService
// answered without any work, so that ghz measures what gRPC, protobuf and
// the machine cost on their own. With --redis it also makes one EVALSHA
// per submission, the floor of a submission path that rate-limits through
// Redis. commentd's figures are read as ratios to these two, measured in
// the same run on the same machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/reflection"
	"google.golang.org/protobuf/types/known/timestamppb"

	commentdv1 "github.com/commentd/commentd/proto/commentd/v1"
)

// script counts a client's calls in a window: about what one rate-limit
// check costs Redis, in one round trip.
var script = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)

func main() {
	listen := flag.String("listen", "127.0.0.1:50061", "gRPC listen `address`")
	redisURL := flag.String("redis", "", "make one EVALSHA per submission on this Redis `URL`")
	prefix := flag.String("redis-prefix", "commentd-echo:", "key `prefix` in Redis")
	flag.Parse()
	if err := run(*listen, *redisURL, *prefix); err != nil {
		log.Fatal(err)
	}
}

func run(listen, redisURL, prefix string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	e := &echo{prefix: prefix, page: canned(100)}
	if redisURL != "" {
		o, err := redis.ParseURL(redisURL)
		if err != nil {
			return fmt.Errorf("--redis: %w", err)
		}
		e.redis = redis.NewClient(o)
		defer e.redis.Close()
		if err := script.Load(ctx, e.redis).Err(); err != nil {
			return fmt.Errorf("load script: %w", err)
		}
	}
	lis, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	commentdv1.RegisterCommentServiceServer(srv, e)
	reflection.Register(srv)
	go func() {
		<-ctx.Done()
		srv.GracefulStop()
	}()
	log.Printf("echo listening on %s (redis %t)", lis.Addr(), e.redis != nil)
	if err := srv.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

type echo struct {
	commentdv1.UnimplementedCommentServiceServer
	redis  *redis.Client
	prefix string
	page   []*commentdv1.Comment
}

func (e *echo) SubmitComment(ctx context.Context, req *commentdv1.SubmitCommentRequest) (*commentdv1.SubmitCommentResponse, error) {
	if e.redis != nil {
		if err := script.Run(ctx, e.redis, []string{e.prefix + req.GetClient().GetIp()}, 60000).Err(); err != nil {
			return nil, err
		}
	}
	now := timestamppb.Now()
	return &commentdv1.SubmitCommentResponse{
		Status: commentdv1.CommentStatus_COMMENT_STATUS_PUBLISHED,
		Comment: &commentdv1.Comment{
			Id:         "01936f4e-0000-7000-8000-000000000000",
			ArticleId:  req.GetArticleId(),
			AuthorName: req.GetAuthor().GetName(),
			Body:       req.GetBody(),
			Status:     commentdv1.CommentStatus_COMMENT_STATUS_PUBLISHED,
			CreateTime: now,
			UpdateTime: now,
		},
	}, nil
}

// ListComments answers with a page of canned comments of the size asked,
// so that both sides of the ratio encode the same amount of data.
func (e *echo) ListComments(_ context.Context, req *commentdv1.ListCommentsRequest) (*commentdv1.ListCommentsResponse, error) {
	n := int(req.GetPageSize())
	if n <= 0 || n > len(e.page) {
		n = 50
	}
	return &commentdv1.ListCommentsResponse{Comments: e.page[:n]}, nil
}

func (e *echo) CountComments(_ context.Context, req *commentdv1.CountCommentsRequest) (*commentdv1.CountCommentsResponse, error) {
	counts := make(map[string]int64, len(req.GetArticleIds()))
	for _, id := range req.GetArticleIds() {
		counts[id] = 42
	}
	return &commentdv1.CountCommentsResponse{Counts: counts}, nil
}

func canned(n int) []*commentdv1.Comment {
	now := timestamppb.Now()
	out := make([]*commentdv1.Comment, n)
	for i := range out {
		out[i] = &commentdv1.Comment{
			Id:         fmt.Sprintf("01936f4e-0000-7000-8000-%012d", i),
			ArticleId:  "read-0",
			AuthorName: "पाठक",
			Body:       "बजट सत्र में आज वित्त मंत्री ने नई कर दरों की घोषणा की। Good analysis, thank you for the detailed report.",
			Status:     commentdv1.CommentStatus_COMMENT_STATUS_PUBLISHED,
			CreateTime: now,
			UpdateTime: now,
		}
	}
	return out
}
