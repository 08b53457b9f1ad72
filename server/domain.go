package server

import (
	"context"
	"time"

	"github.com/commentd/commentd/moderation"
)

// Comments is what CommentService asks of the domain: submissions and the
// public reads.
type Comments interface {
	Submit(ctx context.Context, sub moderation.Submission) (moderation.Result, error)
	PublishedComment(ctx context.Context, site, id string) (moderation.Comment, error)
	ListPublished(ctx context.Context, site, articleID string, page moderation.Page) ([]moderation.Comment, *moderation.Cursor, error)
	CountPublished(ctx context.Context, site string, articleIDs []string) (map[string]int64, error)
	ReportComment(ctx context.Context, r moderation.ReportRequest) (moderation.ReportResult, error)
}

// Moderation is what ModerationService asks of the domain: the queue, the
// moderators' actions, the rules they keep and readers' data requests.
type Moderation interface {
	ListQueue(ctx context.Context, v moderation.Viewer, q moderation.QueueQuery, page moderation.Page) ([]moderation.Comment, *moderation.Cursor, error)
	CountQueue(ctx context.Context, v moderation.Viewer, q moderation.QueueQuery) (moderation.QueueTotal, error)
	CommentDetail(ctx context.Context, v moderation.Viewer, id string) (moderation.Comment, moderation.AuthorHistory, error)
	Watch(ctx context.Context, v moderation.Viewer, q moderation.WatchQuery) (<-chan moderation.Held, int64, error)
	Moderate(ctx context.Context, m moderation.Moderation) ([]moderation.Outcome, error)
	AuditEvents(ctx context.Context, q moderation.AuditQuery, page moderation.Page) ([]moderation.AuditEvent, *moderation.Cursor, error)
	WordLists(ctx context.Context, site string) ([]moderation.WordTerm, error)
	UpdateWordList(ctx context.Context, actor, site string, list moderation.WordList, add, remove []string) (moderation.WordListResult, error)
	CreateBan(ctx context.Context, r moderation.BanRequest) (moderation.BanResult, error)
	ListBans(ctx context.Context, page moderation.Page, site string) ([]moderation.Ban, *moderation.Cursor, error)
	DeleteBan(ctx context.Context, actor, id string, restore bool) (moderation.BanResult, error)
	ExportAuthor(ctx context.Context, actor, email string, page moderation.Page) ([]moderation.Comment, *moderation.Cursor, error)
	EraseAuthor(ctx context.Context, actor, email, note string) (int64, error)
	Backtest(ctx context.Context, req moderation.BacktestRequest, progress func(done, total int)) (moderation.BacktestReport, error)
	TrainComments(ctx context.Context, t moderation.Training) (moderation.Trained, error)
	ImportComments(ctx context.Context, im moderation.Import) (moderation.Imported, error)
	RuleStats(ctx context.Context, site string, since time.Time) (moderation.RuleStats, error)
	WebhookDeliveries(ctx context.Context, q moderation.DeliveryQuery, page moderation.Page) ([]moderation.Delivery, *moderation.Cursor, error)
	Redeliver(ctx context.Context, r moderation.RedeliveryRequest) (int64, error)
	SetArticleSettings(ctx context.Context, r moderation.ArticleSettingsRequest) (moderation.ArticleState, error)
	GetArticleSettings(ctx context.Context, site, articleID string) (moderation.ArticleState, error)
}

// Domain is everything the server serves; *moderation.Service is one.
type Domain interface {
	Comments
	Moderation
}

var _ Domain = (*moderation.Service)(nil)
