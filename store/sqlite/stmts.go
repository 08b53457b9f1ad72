package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/commentd/commentd/store/internal/storesql"
)

// The statements that read or write every comment column, derived from
// the one declaration of the table. Reads that a write depends on run on
// the writer, inside its transaction.
var (
	insertCommentSQL      = comments.Insert
	commentByIDSQL        = `SELECT ` + storesql.CommentColumns + ` FROM comments WHERE id = ?`
	commentByRequestIDSQL = `SELECT ` + storesql.CommentColumns + ` FROM comments WHERE site = ? AND request_id = ? AND request_id <> ''`
	duplicateSQL          = `SELECT ` + storesql.CommentColumns + ` FROM comments
WHERE site = ? AND article_id = ? AND author_key = ? AND body_fingerprint = ? AND ` + storesql.DuplicatePredicate
)

// The other fixed statements.
const (
	updateStatusSQL = `UPDATE comments SET status = ?, update_time = ?, moderated_by = ?, moderation_note = ? WHERE id = ?`
	// A decision that left the status as it was: who confirmed it, and no
	// new update_time, which says when the status last changed.
	confirmSQL = `UPDATE comments SET moderated_by = ?, moderation_note = ? WHERE id = ?`

	insertAuditSQL = `INSERT INTO audit_events (id, create_time, actor, action, target, note, detail)
VALUES (?, ?, ?, ?, ?, ?, ?)`

	// Article ids arrive as one JSON array, so the statement text stays
	// the same whatever their number.
	countPublishedSQL = `SELECT article_id, count(*) FROM comments
WHERE site = ? AND status = ? AND article_id IN (SELECT value FROM json_each(?))
GROUP BY article_id`

	// Served by the index on (author_email_key, status, …) alone.
	authorHistorySQL = `SELECT status, count(*) FROM comments WHERE author_email_key = ? GROUP BY status`

	rulesVersionSQL = `SELECT version FROM rules_version WHERE id = 1`
	bumpVersionSQL  = `UPDATE rules_version SET version = version + 1 WHERE id = 1`

	wordTermsSQL  = `SELECT ` + storesql.WordTermColumns + ` FROM word_terms ORDER BY site, list, term`
	listTermsSQL  = `SELECT ` + storesql.WordTermColumns + ` FROM word_terms WHERE site = ? AND list = ? ORDER BY term`
	insertTermSQL = `INSERT INTO word_terms (site, list, term, create_time, created_by) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (site, list, term) DO NOTHING`
	deleteTermSQL = `DELETE FROM word_terms WHERE site = ? AND list = ? AND term = ?`

	insertBanSQL = `INSERT INTO bans (` + storesql.BanColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// A ban's request id, on the writer: the unique index serves it.
	banByRequestIDSQL = `SELECT ` + storesql.BanColumns + ` FROM bans WHERE request_id = ? AND request_id <> ''`
	deleteBanSQL      = `DELETE FROM bans WHERE id = ? RETURNING ` + storesql.BanColumns
)

// writeStmts are prepared once on the writer's only connection.
type writeStmts struct {
	insertComment      *sql.Stmt
	commentByID        *sql.Stmt
	commentByRequestID *sql.Stmt
	duplicate          *sql.Stmt
	updateStatus       *sql.Stmt
	confirm            *sql.Stmt
	insertAudit        *sql.Stmt
	bumpVersion        *sql.Stmt
	listTerms          *sql.Stmt
	insertTerm         *sql.Stmt
	deleteTerm         *sql.Stmt
	insertBan          *sql.Stmt
	deleteBan          *sql.Stmt
	labelOf            *sql.Stmt
	upsertLabel        *sql.Stmt
	deleteLabel        *sql.Stmt
	addToken           *sql.Stmt
	dropToken          *sql.Stmt
	addTotals          *sql.Stmt
	dropTotals         *sql.Stmt
	insertLearnEvent   *sql.Stmt
	insertOutbox       *sql.Stmt
	insertQueueEvent   *sql.Stmt
}

func (w *writeStmts) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{
		{&w.insertComment, insertCommentSQL},
		{&w.commentByID, commentByIDSQL},
		{&w.commentByRequestID, commentByRequestIDSQL},
		{&w.duplicate, duplicateSQL},
		{&w.updateStatus, updateStatusSQL},
		{&w.confirm, confirmSQL},
		{&w.insertAudit, insertAuditSQL},
		{&w.bumpVersion, bumpVersionSQL},
		{&w.listTerms, listTermsSQL},
		{&w.insertTerm, insertTermSQL},
		{&w.deleteTerm, deleteTermSQL},
		{&w.insertBan, insertBanSQL},
		{&w.deleteBan, deleteBanSQL},
		{&w.labelOf, labelOfSQL},
		{&w.upsertLabel, upsertLabelSQL},
		{&w.deleteLabel, deleteLabelSQL},
		{&w.addToken, addTokenSQL},
		{&w.dropToken, dropTokenSQL},
		{&w.addTotals, addTotalsSQL},
		{&w.dropTotals, dropTotalsSQL},
		{&w.insertLearnEvent, insertLearnEventSQL},
		{&w.insertOutbox, insertOutboxSQL},
		{&w.insertQueueEvent, insertQueueEventSQL},
	} {
		st, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			return err
		}
		*p.st = st
	}
	return nil
}

func (w *writeStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{
		w.insertComment, w.commentByID, w.commentByRequestID, w.duplicate, w.updateStatus, w.confirm, w.insertAudit,
		w.bumpVersion, w.listTerms, w.insertTerm, w.deleteTerm, w.insertBan, w.deleteBan,
		w.labelOf, w.upsertLabel, w.deleteLabel, w.addToken, w.dropToken, w.addTotals, w.dropTotals, w.insertLearnEvent,
		w.insertOutbox, w.insertQueueEvent,
	} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}
