package server_test

import (
	"context"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/commentd/commentd/moderation"
	pb "github.com/commentd/commentd/proto/commentd/v1"
	"github.com/commentd/commentd/server"
)

// echoSubmit answers every submission as published at once: a domain
// that costs nothing, so that a benchmark measures the transport.
type echoSubmit struct{ server.Domain }

func (echoSubmit) Submit(_ context.Context, sub moderation.Submission) (moderation.Result, error) {
	now := time.Now()
	return moderation.Result{Comment: moderation.Comment{
		ID: "01a21a73-7807-7785-ab1d-5024ed3eeb71", Site: sub.Site, ArticleID: sub.ArticleID, Author: sub.Author,
		Body: sub.Body, Client: sub.Client, Status: moderation.StatusPublished, CreateTime: now, UpdateTime: now,
	}}, nil
}

// BenchmarkSubmitCommentTransports submits over gRPC and over HTTP/JSON
// (net/http, keep-alive, as a PHP site would) to a server whose domain
// answers at once, one call at a time: the difference is what the HTTP
// front costs a call, credentials, interceptors and conversions included.
// cpu-µs/op is the whole process's, client included. make bench measures
// the same with the real pipeline and stores under load.
func BenchmarkSubmitCommentTransports(b *testing.B) {
	for _, transport := range []string{"grpc", "http-json"} {
		b.Run(transport, func(b *testing.B) {
			d := startDual(b, echoSubmit{}, "news:site-key-1", "")
			n := 0
			cpu0 := processCPU()
			for b.Loop() {
				n++
				req := &pb.SubmitCommentRequest{
					ArticleId: fmt.Sprintf("bench-%d", n%500),
					Author:    &pb.Author{Name: "प्रिया शर्मा", Email: fmt.Sprintf("reader%d@example.in", n)},
					Body:      fmt.Sprintf("बहुत अच्छा विश्लेषण। Thanks for the clear explanation! (%d)", n),
					Client:    &pb.ClientInfo{Ip: fmt.Sprintf("10.%d.%d.%d", n%256, n/256%256, 1+n/65536%250), UserAgent: "Mozilla/5.0"},
				}
				if transport == "grpc" {
					if _, st := d.callGRPC(b, commentSvc+"SubmitComment", "site-key-1", req); st != nil {
						b.Fatal(st.Err())
					}
					continue
				}
				body, err := protojson.Marshal(req)
				if err != nil {
					b.Fatal(err)
				}
				if resp, got := d.post(b, commentSvc+"SubmitComment", "site-key-1", "application/json", body); resp.StatusCode != http.StatusOK {
					b.Fatalf("HTTP %d %s", resp.StatusCode, got)
				}
			}
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(n), "cpu-µs/op")
		})
	}
}

// processCPU is the CPU this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
