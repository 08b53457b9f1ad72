package server

import (
	"context"

	"github.com/commentd/commentd/moderation"
)

// Identity is who is calling: a site (CommentService) or a moderator
// with a role (ModerationService). The authentication interceptor puts it
// in the context; with no credentials configured at all, every caller is
// the default site and the local admin.
type Identity struct {
	Site      string
	Moderator string
	Role      Role
}

// Default identities for a server without credentials.
const (
	DefaultSite      = "default"
	DefaultModerator = "local"
)

type identityKey struct{}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// identityOf returns the caller the authentication interceptor admitted.
// Every CommentService and ModerationService call passes through it, so
// the identity is always set there.
func identityOf(ctx context.Context) Identity {
	id, _ := ctx.Value(identityKey{}).(Identity)
	return id
}

// viewerOf is the calling moderator as the domain's reads take it: the
// domain decides which reader data the role may see.
func viewerOf(ctx context.Context) moderation.Viewer {
	id := identityOf(ctx)
	return moderation.Viewer{Name: id.Moderator, Admin: id.Role == RoleAdmin}
}
