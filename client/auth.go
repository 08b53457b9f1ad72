package client

import (
	"context"
	"net"
	"net/netip"
	"strings"
)

// bearer sends a token as `authorization: Bearer <token>` on every call.
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

// RequireTransportSecurity is true once the connection is secured, so
// gRPC itself then refuses to fall back to plaintext; over plaintext Dial
// has already checked the address.
func (b bearer) RequireTransportSecurity() bool { return b.secure }

// isLocal reports whether a gRPC target names this machine: a Unix
// socket, localhost, or loopback IP addresses only. Any other name is not
// resolved: what it resolves to may change.
func isLocal(target string) bool {
	scheme, rest, ok := strings.Cut(target, ":")
	switch {
	case ok && (scheme == "unix" || scheme == "unix-abstract"):
		return true
	case ok && (scheme == "ipv4" || scheme == "ipv6"):
		// ipv4:[//]addr[:port][,addr[:port]]…
		addrs := strings.TrimPrefix(rest, "//")
		for a := range strings.SplitSeq(addrs, ",") {
			if !isLoopbackHost(a) {
				return false
			}
		}
		return addrs != ""
	case ok && (scheme == "dns" || scheme == "passthrough") && strings.HasPrefix(rest, "//"):
		// dns://[authority]/host:port
		rest = rest[2:]
		_, endpoint, found := strings.Cut(rest, "/")
		if !found {
			return false
		}
		return isLoopbackHost(endpoint)
	}
	return isLoopbackHost(target)
}

// isLoopbackHost reports whether host[:port] is localhost or a loopback
// IP address.
func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
