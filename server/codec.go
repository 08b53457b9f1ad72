package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
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
// client nothing. codec instead hands the handler an empty message that
// carries what is wrong (naming the string fields that hold bad bytes),
// and its interceptors answer INVALID_ARGUMENT with those details.
//
// The findings travel inside the message, in its unknown fields, and
// nowhere else: whatever refuses the call first (credentials, a deadline,
// another interceptor), they are garbage with the message.
//
// The HTTP front decodes JSON before the gRPC server sees the request, so
// its findings must cross the wire format: it sends them in the same field,
// prefixed with seal, a secret of this process that no client can know.
// Only sealed findings survive a clean decode.
type codec struct {
	encoding.CodecV2
	seal []byte
}

// problemsField is the field number under which a decoded message's
// unknown fields carry the codec's findings, as a marshalled
// google.rpc.BadRequest. It is the highest valid number, which no
// commentd message uses; the same number sent by a client is dropped on
// decoding, so it cannot pose as the codec's findings.
const problemsField = protowire.MaxValidNumber

func newCodec() codec {
	seal := make([]byte, 32)
	if _, err := rand.Read(seal); err != nil {
		panic(err) // crypto/rand never fails on the systems Go supports
	}
	return codec{CodecV2: encoding.GetCodecV2(protoenc.Name), seal: seal}
}

func (c codec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	m, ok := v.(proto.Message)
	if !ok {
		return err
	}
	if err == nil {
		c.unseal(m.ProtoReflect())
		return nil
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	vs := invalidUTF8(buf.ReadOnlyData(), m.ProtoReflect().Descriptor(), "")
	if len(vs) == 0 {
		// Not bad text but bad bytes: still the client's fault, so still
		// INVALID_ARGUMENT rather than grpc-go's INTERNAL.
		vs = []moderation.FieldViolation{{Field: "request", Description: "is not a valid " + string(m.ProtoReflect().Descriptor().FullName()) + " message"}}
	}
	br := &errdetails.BadRequest{}
	for _, v := range vs {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
	}
	setProblems(m, nil, br)
	return nil
}

// setProblems empties m and records br in it, after prefix.
func setProblems(m proto.Message, prefix []byte, br *errdetails.BadRequest) {
	b, err := proto.MarshalOptions{}.MarshalAppend(prefix, br)
	if err != nil {
		// Cannot happen: field names and descriptions are ours, and a
		// message with no violations still says the request was bad.
		b = prefix
	}
	proto.Reset(m)
	unknown := protowire.AppendTag(nil, problemsField, protowire.BytesType)
	m.ProtoReflect().SetUnknown(protowire.AppendBytes(unknown, b))
}

// unseal keeps, in a message that decoded cleanly, the findings the HTTP
// front sealed, without their seal, and removes any other field
// problemsField: a client's own.
func (c codec) unseal(m protoreflect.Message) {
	b := m.GetUnknown()
	if len(b) == 0 || problemsIn(b) == nil {
		return
	}
	var kept protoreflect.RawFields
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeField(b)
		if n < 0 {
			break // cannot happen: the decoder kept these bytes as fields
		}
		if num != problemsField {
			kept = append(kept, b[:n]...)
		} else if v, vn := protowire.ConsumeBytes(b[protowire.SizeTag(num):n]); typ == protowire.BytesType && vn >= 0 &&
			len(v) >= len(c.seal) && subtle.ConstantTimeCompare(v[:len(c.seal)], c.seal) == 1 {
			kept = protowire.AppendTag(kept, problemsField, protowire.BytesType)
			kept = protowire.AppendBytes(kept, v[len(c.seal):])
		}
		b = b[n:]
	}
	m.SetUnknown(kept)
}

// problemsIn returns the value of field problemsField in unknown fields b,
// or nil.
func problemsIn(b []byte) []byte {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil
		}
		b = b[n:]
		if num == problemsField && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil
			}
			return v
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return nil
		}
		b = b[n:]
	}
	return nil
}

// decodeProblems returns the violations the codec put in msg, or nil.
func decodeProblems(msg any) []moderation.FieldViolation {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil
	}
	b := problemsIn(m.ProtoReflect().GetUnknown())
	if b == nil {
		return nil
	}
	var br errdetails.BadRequest
	if err := proto.Unmarshal(b, &br); err != nil || len(br.GetFieldViolations()) == 0 {
		return []moderation.FieldViolation{{Field: "request", Description: "is not a valid message"}}
	}
	vs := make([]moderation.FieldViolation, len(br.GetFieldViolations()))
	for i, v := range br.GetFieldViolations() {
		vs[i] = moderation.FieldViolation{Field: v.GetField(), Description: v.GetDescription()}
	}
	return vs
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
	if vs := decodeProblems(req); vs != nil {
		return nil, toStatus(ctx, slog.Default(), invalid(vs...))
	}
	return next(ctx, req)
}

func (c codec) streamInterceptor(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	return next(srv, &utf8Stream{ServerStream: ss})
}

type utf8Stream struct {
	grpc.ServerStream
}

func (s *utf8Stream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if vs := decodeProblems(m); vs != nil {
		return toStatus(s.Context(), slog.Default(), invalid(vs...))
	}
	return nil
}
