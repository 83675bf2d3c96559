package liaison

import (
	"errors"
	"slices"
	"strconv"
	"time"
)

// Canonical returns the event as the audit log stores and hashes it: the
// leaf data of the Merkle tree. Every field is on its own line in a fixed order, as its name
// and its length-prefixed value, so no two different events encode alike and
// no value needs escaping.
func (e *AuditEvent) Canonical() []byte {
	n := 160 + len(e.ID) + len(e.UserID) + len(e.AgencyID) + len(e.Actor) + len(e.Action) + len(e.ObjectType) +
		len(e.ObjectID) + len(e.Outcome) + len(e.Reason) + len(e.Decision) + len(e.IP) + len(e.Node) + len(e.RequestID)
	for k, v := range e.Details {
		n += 24 + len(k) + len(v)
	}
	b := make([]byte, 0, n)
	b = append(b, "liaison-audit-v1\nindex "...)
	b = strconv.AppendInt(b, e.Index, 10)
	b = append(b, "\nat "...)
	b = strconv.AppendInt(b, e.At.UnixMicro(), 10)
	b = append(b, '\n')
	val := func(b []byte, v string) []byte {
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		return append(b, v...)
	}
	line := func(k, v string) {
		b = append(b, k...)
		b = append(b, ' ')
		b = val(b, v)
		b = append(b, '\n')
	}
	line("id", e.ID)
	line("user", e.UserID)
	line("agency", e.AgencyID)
	line("actor", e.Actor)
	line("action", e.Action)
	line("object_type", e.ObjectType)
	line("object", e.ObjectID)
	line("outcome", e.Outcome)
	line("reason", e.Reason)
	line("decision", e.Decision)
	line("ip", e.IP)
	line("node", e.Node)
	line("request", e.RequestID)
	if len(e.Details) > 0 {
		keys := make([]string, 0, len(e.Details))
		for k := range e.Details {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b = append(b, "detail "...)
			b = val(b, k)
			b = append(b, ' ')
			b = val(b, e.Details[k])
			b = append(b, '\n')
		}
	}
	return b
}

// errEntry is returned for bytes that are not a canonical audit entry.
var errEntry = errors.New("not a canonical audit entry")

// ParseAuditEntry is the inverse of Canonical.
func ParseAuditEntry(b []byte) (*AuditEvent, error) {
	p := entryParser{b: b}
	if !p.literal("liaison-audit-v1\nindex ") {
		return nil, errEntry
	}
	e := &AuditEvent{}
	var ok bool
	if e.Index, ok = p.int('\n'); !ok || !p.literal("at ") {
		return nil, errEntry
	}
	at, ok := p.int('\n')
	if !ok {
		return nil, errEntry
	}
	e.At = time.UnixMicro(at).UTC()
	for _, f := range []struct {
		name string
		dst  *string
	}{{"id", &e.ID}, {"user", &e.UserID}, {"agency", &e.AgencyID}, {"actor", &e.Actor}, {"action", &e.Action},
		{"object_type", &e.ObjectType}, {"object", &e.ObjectID}, {"outcome", &e.Outcome}, {"reason", &e.Reason},
		{"decision", &e.Decision}, {"ip", &e.IP}, {"node", &e.Node}, {"request", &e.RequestID}} {
		if !p.literal(f.name+" ") || !p.value(f.dst) || !p.literal("\n") {
			return nil, errEntry
		}
	}
	for len(p.b) > 0 {
		var k, v string
		if !p.literal("detail ") || !p.value(&k) || !p.literal(" ") || !p.value(&v) || !p.literal("\n") {
			return nil, errEntry
		}
		if e.Details == nil {
			e.Details = map[string]string{}
		}
		e.Details[k] = v
	}
	return e, nil
}

type entryParser struct{ b []byte }

func (p *entryParser) literal(s string) bool {
	if len(p.b) < len(s) || string(p.b[:len(s)]) != s {
		return false
	}
	p.b = p.b[len(s):]
	return true
}

// int reads a decimal number ended by stop.
func (p *entryParser) int(stop byte) (int64, bool) {
	i := 0
	for i < len(p.b) && p.b[i] != stop {
		i++
	}
	if i == len(p.b) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(p.b[:i]), 10, 64)
	p.b = p.b[i+1:]
	return n, err == nil
}

// value reads a length-prefixed value "LEN:BYTES".
func (p *entryParser) value(dst *string) bool {
	n, ok := p.int(':')
	if !ok || n < 0 || int64(len(p.b)) < n {
		return false
	}
	*dst = string(p.b[:n])
	p.b = p.b[n:]
	return true
}
