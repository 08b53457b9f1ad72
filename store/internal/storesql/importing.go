package storesql

import (
	"github.com/commentd/commentd/moderation"
	"github.com/commentd/commentd/moderation/learn"
)

// ImportRef is what an import needs of a stored comment to hang replies
// on it.
type ImportRef struct {
	ID, ArticleID string
}

// ImportRefs reads the rows of a lookup of import keys, each (key, id,
// article_id), into what ImportOps.Lookup returns. The caller closes rows.
func ImportRefs(rows Rows) (map[string]ImportRef, error) {
	found := make(map[string]ImportRef)
	for rows.Next() {
		var k string
		var r ImportRef
		if err := rows.Scan(&k, &r.ID, &r.ArticleID); err != nil {
			return nil, err
		}
		found[k] = r
	}
	return found, rows.Err()
}

// ImportOps are one store's steps of Store.ImportComments, inside its
// transaction.
type ImportOps struct {
	// Lookup returns the site's comments stored under any of keys, by key.
	Lookup func(keys []string) (map[string]ImportRef, error)
	// Insert stores c and reports whether it did: false when a unique
	// index (the duplicate rule) refused it.
	Insert func(c *moderation.Comment) (bool, error)
	// Label stores the labels of the stored comments given, with their
	// distinct tokens (tr.Tokens, in the same order), and counts tr.
	Label func(labelled []moderation.ImportComment, tr Trained) error
	// Audit appends an audit event.
	Audit func(moderation.AuditEvent) error
}

// Import runs Store.ImportComments over ops: the same decisions in every
// store.
func Import(b moderation.ImportBatch, ops ImportOps) ([]moderation.ImportResult, error) {
	keys := make([]string, 0, 2*len(b.Comments))
	for _, ic := range b.Comments {
		keys = append(keys, ic.Comment.ImportKey)
		if ic.ParentKey != "" {
			keys = append(keys, ic.ParentKey)
		}
	}
	known, err := ops.Lookup(keys)
	if err != nil {
		return nil, err
	}
	if known == nil {
		known = map[string]ImportRef{}
	}
	seen := make(map[string]bool, len(b.Comments))
	out := make([]moderation.ImportResult, len(b.Comments))
	var labelled []moderation.ImportComment
	var examples []moderation.TrainingExample
	stored, existing, duplicates := 0, 0, 0
	for i, ic := range b.Comments {
		c := ic.Comment
		c.Site = b.Site
		if _, ok := known[c.ImportKey]; ok || seen[c.ImportKey] {
			out[i] = moderation.ImportExisting
			existing++
			continue
		}
		seen[c.ImportKey] = true
		out[i] = moderation.ImportStored
		c.ParentID = ""
		if ic.ParentKey != "" {
			if p, ok := known[ic.ParentKey]; ok && p.ArticleID == c.ArticleID {
				c.ParentID = p.ID
			} else {
				out[i] = moderation.ImportOrphan
			}
		}
		ok, err := ops.Insert(&c)
		if err != nil {
			return nil, err
		}
		if !ok {
			out[i] = moderation.ImportDuplicate
			duplicates++
			continue
		}
		stored++
		known[c.ImportKey] = ImportRef{ID: c.ID, ArticleID: c.ArticleID}
		if ic.Label == learn.Spam || ic.Label == learn.Ham {
			ic.Comment = c
			labelled = append(labelled, ic)
			examples = append(examples, moderation.TrainingExample{Label: ic.Label, Tokens: ic.Tokens})
		}
	}
	if len(labelled) > 0 {
		if err := ops.Label(labelled, NewTrained(examples)); err != nil {
			return nil, err
		}
	}
	if stored > 0 && b.Audit != nil {
		if err := ops.Audit(b.Audit(stored, existing, duplicates)); err != nil {
			return nil, err
		}
	}
	return out, nil
}
