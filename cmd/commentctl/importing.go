package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

const (
	// importBatchComments is the most comments one stream message holds:
	// commentd stores 500 a transaction.
	importBatchComments = 500
	// importBatchBytes keeps a message well inside commentd's 64 KiB
	// request limit.
	importBatchBytes = 56 << 10
	// importMaxIDs is how many ids of each skip reason the summary names.
	importMaxIDs = 5
	// importRedraw is how often the progress bar is redrawn.
	importRedraw = 200 * time.Millisecond
)

func newImportCmd(a *app) *cobra.Command {
	var site, format, article string
	cmd := &cobra.Command{
		Use:   "import --site SITE --format wxr|jsonl FILE",
		Short: "Import a site's comment history (a WordPress export, or JSON Lines)",
		Long: `Imports a site's comment history into commentd, streamed: each comment is
stored with the status and time its history gave it, threaded under its
parent, without running the rules or telling the webhooks. Approved
comments make their authors known to the first-time hold; approved and
spam comments train the learned rule as a moderator's decision would.

FILE (or - for standard input) is read as it is sent, so a file of any
size takes little memory. Each comment's id is stored once per site:
importing the same file again stores nothing, and an import interrupted
(Ctrl-C, a lost connection) resumes when run again.

--format wxr reads WordPress's export (Tools → Export, WXR 1.2): every
post's comments, with the post's id as the article id, as the commentd
plugin sends it. Pingbacks, trackbacks and other kinds than comments are
skipped, and so are comments the plugin already sent to commentd.
WordPress's own exporter leaves spam out; other exporters keep it.

--format jsonl reads one comment a line:

  {"id": "c-1001", "parent_id": "", "article_id": "2026/12/budget",
   "author_name": "...", "author_email": "...", "author_url": "",
   "author_user_id": "", "ip": "203.0.113.7", "user_agent": "...",
   "body": "...", "create_time": "2026-11-30T18:04:05Z",
   "status": "published"}

id, article_id, author_name, author_email, body, create_time (RFC 3339)
and status (published, pending, spam or rejected) are required; a reply's
parent_id is the id of an earlier line. Blank lines are skipped.

Comments commentd cannot store (no valid email, a body too long, the
author's same text already on the article) are skipped and summed up by
reason. Needs a token with the admin role.`,
		Example: `  commentctl import --site news --format wxr wordpress.2026-12-01.xml
  commentctl import --site news --format jsonl history.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: runE(func(ctx context.Context, _ *cobra.Command, args []string) error {
			if site == "" {
				return usageErrorf("--site is required: the site the history is of")
			}
			in, size := a.stdin, int64(-1)
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return usageErrorf("%v", err)
				}
				defer f.Close()
				if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
					size = fi.Size()
				}
				in = f
			}
			cr := &countingReader{r: in}
			var rd recordReader
			switch format {
			case "wxr":
				if !strings.Contains(article, "{post_id}") && !strings.Contains(article, "{post_name}") {
					return usageErrorf("--article-id must hold {post_id} or {post_name}")
				}
				rd = newWXRReader(cr, article)
			case "jsonl":
				rd = newJSONLReader(cr)
			default:
				return usageErrorf("--format must be wxr or jsonl")
			}
			c, err := a.dial(ctx)
			if err != nil {
				return err
			}
			return runImport(ctx, a, c.Moderation, site, rd, cr, size)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&site, "site", "", "the `site` the history is of (a site key's name, or default)")
	f.StringVar(&format, "format", "", "the file's format: `wxr` (WordPress's export) or jsonl")
	f.StringVar(&article, "article-id", "{post_id}", "wxr: the article id of a post's comments, from {post_id} and {post_name}; as the plugin's commentd_moderation_article_id filter makes it")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletions("wxr", "jsonl"))
	return cmd
}

// recordReader reads a history one comment at a time: a comment to
// send, or one skipped here with its reason, or io.EOF.
type recordReader interface {
	next() (*pb.ImportedComment, *localSkip, error)
}

// localSkip is a record commentctl does not send.
type localSkip struct {
	id, reason, detail string
}

// countingReader counts the bytes read, for the progress bar. The reading
// goroutine adds while the sending one draws, hence the atomic.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// importSummary sums up what was skipped, by reason, in the order first
// seen, with the first few ids of each.
type importSummary struct {
	order []string
	by    map[string]*pb.ImportSkip
}

func (s *importSummary) add(reason, detail string, count int64, ids ...string) {
	if s.by == nil {
		s.by = map[string]*pb.ImportSkip{}
	}
	sk := s.by[reason]
	if sk == nil {
		sk = &pb.ImportSkip{Reason: reason, Detail: detail}
		s.by[reason] = sk
		s.order = append(s.order, reason)
	}
	sk.Count += count
	for _, id := range ids {
		if len(sk.ImportIds) < importMaxIDs {
			sk.ImportIds = append(sk.ImportIds, id)
		}
	}
}

func (s *importSummary) total() int64 {
	var n int64
	for _, sk := range s.by {
		n += sk.Count
	}
	return n
}

// batchOut is one message to send, or the reader's error.
type batchOut struct {
	req *pb.ImportCommentsRequest
	err error
}

// runImport streams the history to commentd while it reads it: one
// goroutine reads and cuts messages, this one sends them.
func runImport(ctx context.Context, a *app, mod pb.ModerationServiceClient, site string, rd recordReader, cr *countingReader, size int64) error {
	stream, err := mod.ImportComments(ctx)
	if err != nil {
		return err
	}
	var local importSummary // skipped here; read by this goroutine after the reader ends
	batches := make(chan batchOut, 4)
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	go func() {
		defer close(batches)
		cur, sz := &pb.ImportCommentsRequest{Site: site}, 0
		emit := func() bool {
			select {
			case batches <- batchOut{req: cur}:
				cur, sz = &pb.ImportCommentsRequest{}, 0
				return true
			case <-readCtx.Done():
				return false
			}
		}
		for {
			rec, skip, err := rd.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				select {
				case batches <- batchOut{err: err}:
				case <-readCtx.Done():
				}
				return
			}
			if skip != nil {
				local.add(skip.reason, skip.detail, 1, skip.id)
				continue
			}
			n := proto.Size(rec) + 8
			if n > importBatchBytes {
				local.add("invalid body", "too large to send", 1, rec.GetImportId())
				continue
			}
			if len(cur.Comments) == importBatchComments || len(cur.Comments) > 0 && sz+n > importBatchBytes {
				if !emit() {
					return
				}
			}
			cur.Comments, sz = append(cur.Comments, rec), sz+n
		}
		if len(cur.Comments) > 0 || cur.Site != "" {
			emit()
		}
	}()

	bar := newProgressBar(a.stderr)
	start, last := time.Now(), time.Time{}
	var sent int64
	progress := func(final bool) {
		if now := time.Now(); final || now.Sub(last) >= importRedraw {
			last = now
			read := cr.n.Load()
			bar.showText(read, size, importProgress(read, size, sent, now.Sub(start)))
		}
	}
	var readErr error
	complete := false // the reader sent everything: local is ours
send:
	for {
		select {
		case b, ok := <-batches:
			switch {
			case !ok:
				complete = true
				break send
			case b.err != nil:
				readErr = b.err
				break send
			}
			if err := stream.Send(b.req); err != nil {
				break send // CloseAndRecv says why
			}
			sent += int64(len(b.req.GetComments()))
			progress(false)
		case <-ctx.Done():
			// Interrupted; the reader may be waiting on standard input
			// and ends with the process.
			break send
		}
	}
	stopReading()
	resp, err := stream.CloseAndRecv()
	if err == nil && complete {
		progress(true)
	}
	bar.done()
	switch {
	case err != nil && ctx.Err() != nil:
		fmt.Fprintf(a.stderr, "interrupted after %d comments were sent: what commentd stored stays; run the same command again to resume\n", sent)
		return ctx.Err()
	case err != nil:
		return fmt.Errorf("after %d comments were sent (what commentd stored stays; run the same command again to resume): %w", sent, err)
	case readErr != nil:
		return fmt.Errorf("reading the file after %d comments were sent (they are stored; run again to resume once it is fixed): %w", sent, readErr)
	case !complete:
		return fmt.Errorf("the import stopped after %d comments were sent; run the same command again to resume", sent)
	}
	read := resp.GetReceived() + local.total()
	for _, sk := range resp.GetSkipped() {
		local.add(sk.GetReason(), sk.GetDetail(), sk.GetCount(), sk.GetImportIds()...)
	}
	a.printf("imported site %s in %s: %d stored (%d without their parent), %d already imported, %d skipped, of %d comments read\n",
		site, time.Since(start).Round(10*time.Millisecond), resp.GetStored(), resp.GetStoredWithoutParent(),
		resp.GetAlreadyImported(), local.total(), read)
	for _, reason := range local.order {
		sk := local.by[reason]
		a.printf("  skipped %d %s: %s (%s", sk.GetCount(), reason, sk.GetDetail(), strings.Join(sk.GetImportIds(), ", "))
		if sk.GetCount() > int64(len(sk.GetImportIds())) {
			a.printf(", …")
		}
		a.printf(")\n")
	}
	return nil
}

// importProgress is the progress line: how much of the file was read,
// and how many comments were sent, how fast.
func importProgress(read, size, sent int64, elapsed time.Duration) string {
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(sent) / s
	}
	if size > 0 {
		return fmt.Sprintf("%s of %s (%d%%), %d comments sent, %.0f/s", bytesText(read), bytesText(size), 100*read/size, sent, rate)
	}
	return fmt.Sprintf("%s read, %d comments sent, %.0f/s", bytesText(read), sent, rate)
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// wxrReader reads WordPress's export one comment at a time: encoding/xml
// tokens, each <wp:comment> decoded on its own, so memory holds one
// comment (and one post's text) at a time whatever the file's size.
type wxrReader struct {
	d       *xml.Decoder
	article string // the article id template
	post    wxrPost
	inItem  bool
}

type wxrPost struct {
	id, name string
}

// wxrComment is one <wp:comment>.
type wxrComment struct {
	ID       string    `xml:"comment_id"`
	Author   string    `xml:"comment_author"`
	Email    string    `xml:"comment_author_email"`
	URL      string    `xml:"comment_author_url"`
	IP       string    `xml:"comment_author_IP"`
	Date     string    `xml:"comment_date"`
	DateGMT  string    `xml:"comment_date_gmt"`
	Content  string    `xml:"comment_content"`
	Approved string    `xml:"comment_approved"`
	Type     string    `xml:"comment_type"`
	Parent   string    `xml:"comment_parent"`
	UserID   string    `xml:"comment_user_id"`
	Meta     []wxrMeta `xml:"commentmeta"`
	Agent    string    `xml:"comment_agent"` // not in WordPress's own export; some others add it
}

type wxrMeta struct {
	Key   string `xml:"meta_key"`
	Value string `xml:"meta_value"`
}

// wxrNamespace starts every WXR version's namespace (1.0, 1.1, 1.2).
const wxrNamespace = "http://wordpress.org/export/"

func newWXRReader(r io.Reader, article string) *wxrReader {
	d := xml.NewDecoder(bufio.NewReaderSize(r, 256<<10))
	return &wxrReader{d: d, article: article}
}

func isWP(n xml.Name, local string) bool {
	return n.Local == local && strings.HasPrefix(n.Space, wxrNamespace)
}

func (w *wxrReader) next() (*pb.ImportedComment, *localSkip, error) {
	for {
		tok, err := w.d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, nil, io.EOF
			}
			line, _ := w.d.InputPos()
			return nil, nil, fmt.Errorf("not a WordPress export (WXR) at line %d: %w", line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == "item" && t.Name.Space == "":
				w.inItem, w.post = true, wxrPost{}
			case w.inItem && isWP(t.Name, "post_id"):
				if w.post.id, err = w.text(t); err != nil {
					return nil, nil, err
				}
			case w.inItem && isWP(t.Name, "post_name"):
				if w.post.name, err = w.text(t); err != nil {
					return nil, nil, err
				}
			case w.inItem && isWP(t.Name, "comment"):
				var c wxrComment
				if err := w.d.DecodeElement(&c, &t); err != nil {
					line, _ := w.d.InputPos()
					return nil, nil, fmt.Errorf("a comment of post %s, before line %d: %w", w.post.id, line, err)
				}
				return w.comment(c)
			}
		case xml.EndElement:
			if t.Name.Local == "item" && t.Name.Space == "" {
				w.inItem = false
			}
		}
	}
}

// text reads the text of the element just started.
func (w *wxrReader) text(start xml.StartElement) (string, error) {
	var s string
	if err := w.d.DecodeElement(&s, &start); err != nil {
		line, _ := w.d.InputPos()
		return "", fmt.Errorf("<%s> before line %d: %w", start.Name.Local, line, err)
	}
	return strings.TrimSpace(s), nil
}

// wxrStatuses maps comment_approved to commentd's statuses: a comment in
// WordPress's trash (or on a trashed post) was taken off the site by a
// moderator, which is commentd's REJECTED, still restorable.
var wxrStatuses = map[string]pb.CommentStatus{
	"1":            pb.CommentStatus_COMMENT_STATUS_PUBLISHED,
	"approve":      pb.CommentStatus_COMMENT_STATUS_PUBLISHED,
	"0":            pb.CommentStatus_COMMENT_STATUS_PENDING,
	"hold":         pb.CommentStatus_COMMENT_STATUS_PENDING,
	"spam":         pb.CommentStatus_COMMENT_STATUS_SPAM,
	"trash":        pb.CommentStatus_COMMENT_STATUS_REJECTED,
	"post-trashed": pb.CommentStatus_COMMENT_STATUS_REJECTED,
}

func (w *wxrReader) comment(c wxrComment) (*pb.ImportedComment, *localSkip, error) {
	id := "wxr:" + w.post.id + ":" + strings.TrimSpace(c.ID)
	switch typ := strings.TrimSpace(c.Type); typ {
	case "", "comment":
	case "pingback", "trackback":
		return nil, &localSkip{id, typ, "not a reader's comment"}, nil
	default:
		return nil, &localSkip{id, "type " + typ, "not a reader's comment"}, nil
	}
	for _, m := range c.Meta {
		if strings.TrimSpace(m.Key) == "_commentd_id" && strings.TrimSpace(m.Value) != "" {
			return nil, &localSkip{id, "sent by the plugin", "the commentd plugin already sent it to commentd"}, nil
		}
	}
	rec := &pb.ImportedComment{
		ImportId:  id,
		ArticleId: strings.NewReplacer("{post_id}", w.post.id, "{post_name}", w.post.name).Replace(w.article),
		Author:    &pb.Author{Name: c.Author, Email: strings.TrimSpace(c.Email), Url: strings.TrimSpace(c.URL)},
		Body:      c.Content,
		Status:    wxrStatuses[strings.TrimSpace(c.Approved)], // anything else: UNSPECIFIED, skipped by commentd
	}
	if p := strings.TrimSpace(c.Parent); p != "" && p != "0" {
		rec.ParentImportId = "wxr:" + w.post.id + ":" + p
	}
	if u := strings.TrimSpace(c.UserID); u != "" && u != "0" {
		rec.Author.UserId = u // as the plugin sends a signed-in reader
	}
	if ip, agent := strings.TrimSpace(c.IP), strings.TrimSpace(c.Agent); ip != "" || agent != "" {
		rec.Client = &pb.ClientInfo{Ip: ip, UserAgent: agent}
	}
	// comment_date_gmt is UTC; very old comments have none, and then the
	// site's local time is all there is.
	date := strings.TrimSpace(c.DateGMT)
	if date == "" || strings.HasPrefix(date, "0000-00-00") {
		date = strings.TrimSpace(c.Date)
	}
	if t, err := time.Parse(time.DateTime, date); err == nil {
		rec.CreateTime = timestamppb.New(t)
	}
	return rec, nil, nil
}

// jsonlReader reads the JSON Lines format, one comment a line.
type jsonlReader struct {
	sc   *bufio.Scanner
	line int
}

// jsonlComment is one line. Unknown fields are refused, so a misspelt
// field cannot silently import nothing.
type jsonlComment struct {
	ID           string `json:"id"`
	ParentID     string `json:"parent_id"`
	ArticleID    string `json:"article_id"`
	AuthorName   string `json:"author_name"`
	AuthorEmail  string `json:"author_email"`
	AuthorURL    string `json:"author_url"`
	AuthorUserID string `json:"author_user_id"`
	IP           string `json:"ip"`
	UserAgent    string `json:"user_agent"`
	Body         string `json:"body"`
	CreateTime   string `json:"create_time"`
	Status       string `json:"status"`
}

var jsonlStatuses = map[string]pb.CommentStatus{
	"published": pb.CommentStatus_COMMENT_STATUS_PUBLISHED,
	"pending":   pb.CommentStatus_COMMENT_STATUS_PENDING,
	"spam":      pb.CommentStatus_COMMENT_STATUS_SPAM,
	"rejected":  pb.CommentStatus_COMMENT_STATUS_REJECTED,
}

func newJSONLReader(r io.Reader) *jsonlReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	return &jsonlReader{sc: sc}
}

func (j *jsonlReader) next() (*pb.ImportedComment, *localSkip, error) {
	for j.sc.Scan() {
		j.line++
		text := bytes.TrimSpace(j.sc.Bytes())
		if len(text) == 0 {
			continue
		}
		where := "line " + strconv.Itoa(j.line)
		d := json.NewDecoder(bytes.NewReader(text))
		d.DisallowUnknownFields()
		var l jsonlComment
		if err := d.Decode(&l); err != nil || d.More() {
			if err == nil {
				err = errors.New("more than one JSON value on the line")
			}
			return nil, &localSkip{where, "unreadable line", err.Error()}, nil
		}
		if l.ID == "" {
			return nil, &localSkip{where, "invalid id", "is required"}, nil
		}
		st, ok := jsonlStatuses[strings.ToLower(l.Status)]
		if !ok {
			return nil, &localSkip{l.ID, "invalid status", "must be published, pending, spam or rejected"}, nil
		}
		t, err := time.Parse(time.RFC3339Nano, l.CreateTime)
		if err != nil {
			return nil, &localSkip{l.ID, "invalid create_time", "must be an RFC 3339 time such as 2026-11-30T18:04:05Z"}, nil
		}
		rec := &pb.ImportedComment{
			ImportId: l.ID, ParentImportId: l.ParentID, ArticleId: l.ArticleID,
			Author: &pb.Author{Name: l.AuthorName, Email: l.AuthorEmail, Url: l.AuthorURL, UserId: l.AuthorUserID},
			Body:   l.Body, CreateTime: timestamppb.New(t), Status: st,
		}
		if l.IP != "" || l.UserAgent != "" {
			rec.Client = &pb.ClientInfo{Ip: l.IP, UserAgent: l.UserAgent}
		}
		return rec, nil, nil
	}
	if err := j.sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("after line %d: %w", j.line, err)
	}
	return nil, nil, io.EOF
}
