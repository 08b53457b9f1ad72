package storesql

import "github.com/commentd/commentd/moderation"

// AsBanLeft reports whether c is as ban b left it when it moved c to the
// status to with note: in that status, changed last at the ban's creation
// and moderated by its creator with that note. Any move or confirmation
// since changes one of them, and the comment then stays as decided.
func AsBanLeft(c moderation.Comment, b moderation.Ban, to moderation.Status, note string) bool {
	return c.Status == to && c.UpdateTime.Equal(StoredTime(b.CreateTime)) &&
		c.ModeratedBy == b.CreatedBy && c.ModerationNote == note
}
