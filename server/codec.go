package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	protoenc "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/commentd/commentd/moderation"
)

// codec is the standard proto codec with one change. grpc-go answers a
// request it cannot decode — malformed wire data, or a proto3 string that
// is not UTF-8 — with INTERNAL, which blames the server and tells the
// client nothing. codec instead records what is wrong (naming the string
// fields that hold bad bytes), hands the handler an empty message, and
// its interceptors answer INVALID_ARGUMENT with those details.
type codec struct {
	encoding.CodecV2
	pending *sync.Map // proto.Message -> []moderation.FieldViolation
}

func newCodec() codec {
	return codec{CodecV2: encoding.GetCodecV2(protoenc.Name), pending: new(sync.Map)}
}

func (c codec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return err
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	vs := invalidUTF8(buf.ReadOnlyData(), m.ProtoReflect().Descriptor(), "")
	if len(vs) == 0 {
		// Not bad text but bad bytes: still the client's fault, so still
		// INVALID_ARGUMENT rather than grpc-go's INTERNAL.
		vs = []moderation.FieldViolation{{Field: "request", Description: "is not a valid " + string(m.ProtoReflect().Descriptor().FullName()) + " message"}}
	}
	proto.Reset(m)
	c.pending.Store(m, vs)
	return nil
}

// takeInvalid returns (and forgets) the violations recorded for msg.
func (c codec) takeInvalid(msg any) []moderation.FieldViolation {
	if _, ok := msg.(proto.Message); !ok {
		return nil
	}
	vs, ok := c.pending.LoadAndDelete(msg)
	if !ok {
		return nil
	}
	return vs.([]moderation.FieldViolation)
}

// invalidUTF8 walks the wire format of b as a message of type md and lists
// the string fields whose bytes are not UTF-8. It stops quietly at
// malformed wire data: then the original decode error stands.
func invalidUTF8(b []byte, md protoreflect.MessageDescriptor, prefix string) []moderation.FieldViolation {
	var out []moderation.FieldViolation
	seen := map[protowire.Number]int{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return out
		}
		b = b[n:]
		fd := md.Fields().ByNumber(num)
		if fd == nil || typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return out
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return out
		}
		b = b[n:]
		path := prefix + string(fd.Name())
		if fd.IsList() {
			path = fmt.Sprintf("%s[%d]", path, seen[num])
			seen[num]++
		}
		switch fd.Kind() {
		case protoreflect.StringKind:
			if !utf8.Valid(v) {
				out = append(out, moderation.FieldViolation{Field: path, Description: "is not valid UTF-8"})
			}
		case protoreflect.MessageKind, protoreflect.GroupKind:
			out = append(out, invalidUTF8(v, fd.Message(), path+".")...)
		}
	}
	return out
}

// unaryInterceptor answers requests whose strings were not UTF-8.
func (c codec) unaryInterceptor(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	if vs := c.takeInvalid(req); vs != nil {
		return nil, toStatus(ctx, slog.Default(), invalid(vs...))
	}
	return next(ctx, req)
}

func (c codec) streamInterceptor(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	return next(srv, &utf8Stream{ServerStream: ss, c: c})
}

type utf8Stream struct {
	grpc.ServerStream
	c codec
}

func (s *utf8Stream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if vs := s.c.takeInvalid(m); vs != nil {
		return toStatus(s.Context(), slog.Default(), invalid(vs...))
	}
	return nil
}
