package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	pb "github.com/commentd/commentd/proto/commentd/v1"
)

// Role is what a moderator may do.
type Role string

// The roles: moderators act on comments; admins also change word lists
// and bans.
const (
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
)

// Credentials are the secrets the server accepts, kept as SHA-256 digests
// and compared in constant time, and whether verified client certificates
// (mTLS) identify callers too.
type Credentials struct {
	sites       []credential
	moderators  []credential
	clientCerts bool
}

// AcceptClientCertificates lets a verified client certificate identify its
// caller: OU "site" with the site as CN, or OU "moderator" or "admin" with
// the moderator's name as CN. The TLS configuration verifies the chain.
func (c *Credentials) AcceptClientCertificates() { c.clientCerts = true }

type credential struct {
	digest [32]byte
	name   string
	role   Role
}

// ParseCredentials reads COMMENTD_SITE_KEYS ("site:key,…") and
// COMMENTD_MODERATOR_TOKENS ("name:token[:role],…", role moderator or
// admin, moderator by default). A secret may be given as its SHA-256
// digest, "sha256:<64 hex digits>", so that the plain secret need not be
// stored with the server's configuration. Errors never repeat a secret.
func ParseCredentials(siteKeys, moderatorTokens string) (*Credentials, error) {
	c := &Credentials{}
	for i, entry := range splitList(siteKeys) {
		site, key, ok := strings.Cut(entry, ":")
		if !ok || site == "" || key == "" {
			return nil, fmt.Errorf("site keys: entry %d is not site:key", i+1)
		}
		d, err := secretDigest(key)
		if err != nil {
			return nil, fmt.Errorf("site keys: entry %d (%s): %w", i+1, site, err)
		}
		c.sites = append(c.sites, credential{digest: d, name: site})
	}
	for i, entry := range splitList(moderatorTokens) {
		parts := strings.Split(entry, ":")
		if len(parts) >= 3 && parts[1] == "sha256" { // name:sha256:hex[:role]
			parts = append([]string{parts[0], parts[1] + ":" + parts[2]}, parts[3:]...)
		}
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			return nil, fmt.Errorf("moderator tokens: entry %d is not name:token[:role]", i+1)
		}
		role := RoleModerator
		if len(parts) == 3 {
			role = Role(parts[2])
			if role != RoleModerator && role != RoleAdmin {
				return nil, fmt.Errorf("moderator tokens: entry %d (%s): role must be moderator or admin", i+1, parts[0])
			}
		}
		d, err := secretDigest(parts[1])
		if err != nil {
			return nil, fmt.Errorf("moderator tokens: entry %d (%s): %w", i+1, parts[0], err)
		}
		c.moderators = append(c.moderators, credential{digest: d, name: parts[0], role: role})
	}
	return c, nil
}

// secretDigest hashes a plain secret, or decodes one given as
// "sha256:<hex>".
func secretDigest(secret string) ([32]byte, error) {
	var d [32]byte
	hexDigest, hashed := strings.CutPrefix(secret, "sha256:")
	if !hashed {
		return sha256.Sum256([]byte(secret)), nil
	}
	b, err := hex.DecodeString(hexDigest)
	if err != nil || len(b) != len(d) {
		return d, fmt.Errorf("a sha256: secret must be 64 hex digits")
	}
	copy(d[:], b)
	return d, nil
}

func splitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// Empty reports whether no credentials at all are configured: no site
// keys, no moderator tokens, no client certificates. Only then is every
// caller the default site and the local admin, and commentd serves on
// loopback only.
func (c *Credentials) Empty() bool {
	return c == nil || len(c.sites)+len(c.moderators) == 0 && !c.clientCerts
}

// Closed returns, for each service that refuses every call, its name and
// what to set: once some credentials are configured, a service with none
// of its kind is closed rather than open to anyone.
func (c *Credentials) Closed() map[string]string {
	out := map[string]string{}
	for _, svc := range []string{pb.CommentService_ServiceDesc.ServiceName, pb.ModerationService_ServiceDesc.ServiceName} {
		if why := c.closed(svc == pb.CommentService_ServiceDesc.ServiceName); why != "" {
			out[svc] = why
		}
	}
	return out
}

// closed says why CommentService (comments) or ModerationService refuses
// every call, or "" when it takes calls. Client certificates may identify
// callers of either service.
func (c *Credentials) closed(comments bool) string {
	switch {
	case c.Empty() || c.clientCerts:
		return ""
	case comments && len(c.sites) == 0:
		return "this server has no site keys configured: set COMMENTD_SITE_KEYS"
	case !comments && len(c.moderators) == 0:
		return "this server has no moderator tokens configured: set COMMENTD_MODERATOR_TOKENS"
	}
	return ""
}

// Sites returns the names of the sites that have keys, sorted.
func (c *Credentials) Sites() []string {
	var out []string
	for _, s := range c.sites {
		if !slices.Contains(out, s.name) {
			out = append(out, s.name)
		}
	}
	slices.Sort(out)
	return out
}

// find compares digest with every credential, always all of them, so the
// time taken says nothing about which one nearly matched.
func find(creds []credential, digest [32]byte) (credential, bool) {
	var found credential
	ok := 0
	for _, c := range creds {
		if subtle.ConstantTimeCompare(c.digest[:], digest[:]) == 1 {
			found, ok = c, 1
		}
	}
	return found, ok == 1
}

// adminMethods change the rules every replica applies.
var adminMethods = map[string]bool{
	pb.ModerationService_UpdateWordList_FullMethodName: true,
	pb.ModerationService_CreateBan_FullMethodName:      true,
	pb.ModerationService_DeleteBan_FullMethodName:      true,
	// Reader data leaves or is destroyed only at an admin's hand.
	pb.ModerationService_ExportAuthorData_FullMethodName: true,
	pb.ModerationService_EraseAuthorData_FullMethodName:  true,
	// A backtest reads every comment of a window, whatever its status, and
	// costs seconds of CPU.
	pb.ModerationService_Backtest_FullMethodName: true,
	// The learned rule's training changes every future decision.
	pb.ModerationService_TrainComments_FullMethodName: true,
	// An import writes comments no rule decided, and trains the learned
	// rule with them.
	pb.ModerationService_ImportComments_FullMethodName: true,
	// What a site's backend hears, and when, is the operators' business.
	pb.ModerationService_RedeliverWebhooks_FullMethodName: true,
}

// authenticate returns ctx with the caller's identity, or the status that
// refuses the call. Health checks and reflection stay open.
func (c *Credentials) authenticate(ctx context.Context, method string) (context.Context, error) {
	service := "/" + pb.CommentService_ServiceDesc.ServiceName + "/"
	isComments := strings.HasPrefix(method, service)
	isModeration := strings.HasPrefix(method, "/"+pb.ModerationService_ServiceDesc.ServiceName+"/")
	if !isComments && !isModeration {
		return ctx, nil
	}
	if c.Empty() {
		return WithIdentity(ctx, Identity{Site: DefaultSite, Moderator: DefaultModerator, Role: RoleAdmin}), nil
	}
	if why := c.closed(isComments); why != "" {
		return nil, status.Error(codes.Unauthenticated, why)
	}
	if c.clientCerts {
		if subject, ok := clientCertificate(ctx); ok {
			return certIdentity(ctx, subject, isComments, method)
		}
	}
	token, err := bearer(ctx)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256([]byte(token))
	if isComments {
		if site, ok := find(c.sites, digest); ok {
			return WithIdentity(ctx, Identity{Site: site.name}), nil
		}
		if mod, ok := find(c.moderators, digest); ok {
			if method == pb.CommentService_SubmitComment_FullMethodName {
				// Only to check against a site: see SubmitComment.
				return WithIdentity(ctx, Identity{Moderator: mod.name, Role: mod.role}), nil
			}
			return nil, status.Error(codes.PermissionDenied, "a moderator token cannot call CommentService; use the site's key")
		}
		return nil, status.Error(codes.Unauthenticated, "unknown site key")
	}
	mod, ok := find(c.moderators, digest)
	if !ok {
		if _, isSite := find(c.sites, digest); isSite {
			return nil, status.Error(codes.PermissionDenied, "a site key cannot call ModerationService; use a moderator token")
		}
		return nil, status.Error(codes.Unauthenticated, "unknown moderator token")
	}
	if adminMethods[method] && mod.role != RoleAdmin {
		return nil, status.Errorf(codes.PermissionDenied, "%s needs the admin role", method[strings.LastIndexByte(method, '/')+1:])
	}
	return WithIdentity(ctx, Identity{Moderator: mod.name, Role: mod.role}), nil
}

// clientCertificate returns the subject of the caller's verified client
// certificate, if it sent one.
func clientCertificate(ctx context.Context) (pkix.Name, bool) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return pkix.Name{}, false
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return pkix.Name{}, false
	}
	return info.State.VerifiedChains[0][0].Subject, true
}

// certIdentity maps a certificate's OU (site, moderator or admin) and CN
// (the name) to an identity for the method called.
func certIdentity(ctx context.Context, subject pkix.Name, isComments bool, method string) (context.Context, error) {
	var role string
	if len(subject.OrganizationalUnit) == 1 {
		role = subject.OrganizationalUnit[0]
	}
	name := subject.CommonName
	switch {
	case name == "" || (role != "site" && role != string(RoleModerator) && role != string(RoleAdmin)):
		return nil, status.Error(codes.Unauthenticated, "the client certificate names no commentd identity: want OU site, moderator or admin and the name as CN")
	case isComments && role != "site" && method == pb.CommentService_SubmitComment_FullMethodName:
		// Only to check against a site: see SubmitComment.
		return WithIdentity(ctx, Identity{Moderator: name, Role: Role(role)}), nil
	case isComments && role != "site":
		return nil, status.Error(codes.PermissionDenied, "a moderator's certificate cannot call CommentService")
	case isComments:
		return WithIdentity(ctx, Identity{Site: name}), nil
	case role == "site":
		return nil, status.Error(codes.PermissionDenied, "a site's certificate cannot call ModerationService")
	case adminMethods[method] && Role(role) != RoleAdmin:
		return nil, status.Errorf(codes.PermissionDenied, "%s needs the admin role", method[strings.LastIndexByte(method, '/')+1:])
	}
	return WithIdentity(ctx, Identity{Moderator: name, Role: Role(role)}), nil
}

func bearer(ctx context.Context) (string, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) != 1 {
		return "", status.Error(codes.Unauthenticated, "missing credentials: send authorization: Bearer <key>, as an HTTP header or gRPC metadata")
	}
	if !utf8.ValidString(vals[0]) {
		return "", status.Error(codes.InvalidArgument, "the authorization metadata is not valid UTF-8")
	}
	scheme, token, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", status.Error(codes.Unauthenticated, "malformed credentials: want authorization: Bearer <key>")
	}
	return token, nil
}

func (c *Credentials) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	ctx, err := c.authenticate(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	return next(ctx, req)
}

func (c *Credentials) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	ctx, err := c.authenticate(ss.Context(), info.FullMethod)
	if err != nil {
		return err
	}
	return next(srv, &identityStream{ServerStream: ss, ctx: ctx})
}

type identityStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *identityStream) Context() context.Context { return s.ctx }
