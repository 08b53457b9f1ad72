package client_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/commentd/commentd/client"
	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// A site backend submits a reader's comment and tells the reader what
// happened to it.
func Example() {
	ctx := context.Background()
	// commentdAddr is your commentd's address, such as "127.0.0.1:50051".
	// The site key is sent only when set.
	c, err := client.Dial(ctx, commentdAddr, client.WithToken(os.Getenv("COMMENTD_SITE_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	req := &pb.SubmitCommentRequest{
		ArticleId: "2026/11/budget-session",
		Author:    &pb.Author{Name: "प्रिया शर्मा", Email: "priya@example.in"},
		Body:      "बहुत अच्छा विश्लेषण। Thanks for the clear explanation!",
		Client:    &pb.ClientInfo{Ip: "203.0.113.7", UserAgent: "Mozilla/5.0"},
		// One id per submitted form, kept across retries: the client
		// retries UNAVAILABLE by itself, and commentd answers a retry with
		// the first answer instead of storing the comment twice.
		RequestId: uuid.NewString(),
	}
	callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := c.Comments.SubmitComment(callCtx, req)
	if err != nil {
		fmt.Println(explain(err))
		return
	}
	switch resp.GetStatus() {
	case pb.CommentStatus_COMMENT_STATUS_PUBLISHED:
		fmt.Println("published: show it on the page")
	case pb.CommentStatus_COMMENT_STATUS_PENDING:
		fmt.Println("held: tell the reader a moderator will look at it")
	case pb.CommentStatus_COMMENT_STATUS_SPAM:
		fmt.Println("spam: thank the reader, show nothing")
	}
	for _, r := range resp.GetReasons() {
		fmt.Println("because:", r.GetRule())
	}

	// Sending the same request again (say, after a timeout) is safe.
	again, err := c.Comments.SubmitComment(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("same comment:", again.GetComment().GetId() == resp.GetComment().GetId())

	// Output:
	// held: tell the reader a moderator will look at it
	// because: first_time_commenter
	// same comment: true
}

// explain turns a failed SubmitComment into what the form should say.
func explain(err error) string {
	st := status.Convert(err)
	switch st.Code() {
	case codes.InvalidArgument:
		msg := "please fix:"
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					msg += fmt.Sprintf(" %s %s;", v.GetField(), v.GetDescription())
				}
			}
		}
		return msg
	case codes.ResourceExhausted:
		for _, d := range st.Details() {
			if ri, ok := d.(*errdetails.RetryInfo); ok {
				return fmt.Sprintf("too fast: try again in %s", ri.GetRetryDelay().AsDuration().Round(time.Second))
			}
		}
		return "too fast: try again later"
	case codes.AlreadyExists:
		return "you already posted this comment"
	case codes.Unavailable, codes.DeadlineExceeded:
		return "comments are unavailable: try again with the same request_id"
	}
	return "comment not accepted: " + st.Message()
}

// A moderator's tool lists the whole queue; the iterator fetches the pages.
func ExampleClient_Queue() {
	ctx := context.Background()
	c, err := client.Dial(ctx, commentdAddr, client.WithToken(os.Getenv("COMMENTCTL_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	held := 0
	req := &pb.ListQueueRequest{ArticleId: "2026/11/example-queue", PageSize: 100}
	for d, err := range c.Queue(ctx, req) {
		if err != nil {
			log.Fatal(err)
		}
		_ = d.GetAuthorEmail() // moderators see the email, IP and reasons
		held++
	}
	fmt.Println(held, "held")
	// Output: 0 held
}
