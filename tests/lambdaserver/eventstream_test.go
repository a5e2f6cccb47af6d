package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// An event stream decoder of the tests' own, sharing nothing with
// eventstream.go (not even hash/crc32): the encoder is only right if a
// second reading of the format agrees with it.

// crc32IEEE is CRC-32 as the format specifies it (the gzip one): reflected
// polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF, bit by bit.
func crc32IEEE(data []byte) uint32 {
	crc := ^uint32(0)
	for _, b := range data {
		crc ^= uint32(b)
		for range 8 {
			if crc&1 == 1 {
				crc = crc>>1 ^ 0xEDB88320
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

// decodedMessage is one message: its headers in order, and its payload.
type decodedMessage struct {
	headers [][2]string
	payload []byte
}

// get is the value of a header ("" if absent).
func (m decodedMessage) get(name string) string {
	for _, h := range m.headers {
		if h[0] == name {
			return h[1]
		}
	}
	return ""
}

func (m decodedMessage) String() string {
	return fmt.Sprintf("%v %q", m.headers, m.payload)
}

var (
	errBadPreludeCRC = errors.New("prelude CRC mismatch")
	errBadMessageCRC = errors.New("message CRC mismatch")
	errTruncated     = errors.New("message cut short")
)

// readMessage reads one message. io.EOF means the stream ended cleanly
// between messages.
func readMessage(r io.Reader) (decodedMessage, error) {
	var m decodedMessage
	prelude := make([]byte, 12)
	if n, err := io.ReadFull(r, prelude); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return m, io.EOF
		}
		return m, fmt.Errorf("%w: %d prelude bytes: %w", errTruncated, n, err)
	}
	if crc32IEEE(prelude[:8]) != binary.BigEndian.Uint32(prelude[8:12]) {
		return m, errBadPreludeCRC
	}
	total := binary.BigEndian.Uint32(prelude[0:4])
	headersLength := binary.BigEndian.Uint32(prelude[4:8])
	if total < 16 || headersLength > total-16 {
		return m, fmt.Errorf("lengths: total %d, headers %d", total, headersLength)
	}
	rest := make([]byte, total-12)
	if n, err := io.ReadFull(r, rest); err != nil {
		return m, fmt.Errorf("%w: %d of %d bytes: %w", errTruncated, n, len(rest), err)
	}
	whole := append(append([]byte{}, prelude...), rest...)
	if crc32IEEE(whole[:total-4]) != binary.BigEndian.Uint32(whole[total-4:]) {
		return m, errBadMessageCRC
	}
	headers := rest[:headersLength]
	for len(headers) > 0 {
		nameLength := int(headers[0])
		if len(headers) < 1+nameLength+3 {
			return m, errors.New("header cut short")
		}
		name := string(headers[1 : 1+nameLength])
		if kind := headers[1+nameLength]; kind != 7 {
			return m, fmt.Errorf("header %s: value type %d, not string", name, kind)
		}
		valueLength := int(binary.BigEndian.Uint16(headers[2+nameLength:]))
		start := 4 + nameLength
		if len(headers) < start+valueLength {
			return m, errors.New("header value cut short")
		}
		m.headers = append(m.headers, [2]string{name, string(headers[start : start+valueLength])})
		headers = headers[start+valueLength:]
	}
	m.payload = rest[headersLength : len(rest)-4]
	return m, nil
}

// readMessages reads messages until the end of r or the first error.
func readMessages(r io.Reader) ([]decodedMessage, error) {
	var all []decodedMessage
	for {
		m, err := readMessage(r)
		if errors.Is(err, io.EOF) {
			return all, nil
		}
		if err != nil {
			return all, err
		}
		all = append(all, m)
	}
}

// unhex reads a hex dump; spaces, newlines and "|" separators are ignored.
func unhex(t *testing.T, dump string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "\n", "", "\t", "", "|", "").Replace(dump))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The CRC of the tests is the standard one: its check value.
func TestCRC32IEEECheckValue(t *testing.T) {
	if got := crc32IEEE([]byte("123456789")); got != 0xCBF43926 {
		t.Fatalf("crc32(123456789) = %08x, want cbf43926", got)
	}
}

// Golden messages, laid out field by field by hand. The CRCs were
// computed apart from this code, with Python's zlib.crc32 over the
// bytes before them.
func TestEventStreamGoldenMessages(t *testing.T) {
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		{"PayloadChunk hi", payloadChunkEvent([]byte("hi")), `
			0000006c | 0000005a | b25efdcf
			0b ` + hex.EncodeToString([]byte(":event-type")) + ` 07 000c ` + hex.EncodeToString([]byte("PayloadChunk")) + `
			0d ` + hex.EncodeToString([]byte(":content-type")) + ` 07 0018 ` + hex.EncodeToString([]byte("application/octet-stream")) + `
			0d ` + hex.EncodeToString([]byte(":message-type")) + ` 07 0005 ` + hex.EncodeToString([]byte("event")) + `
			6869
			1162e469`},
		{"InvokeComplete, nothing to report", invokeCompleteEvent(invokeComplete{}), `
			00000066 | 00000054 | 1f56c869
			0b ` + hex.EncodeToString([]byte(":event-type")) + ` 07 000e ` + hex.EncodeToString([]byte("InvokeComplete")) + `
			0d ` + hex.EncodeToString([]byte(":content-type")) + ` 07 0010 ` + hex.EncodeToString([]byte("application/json")) + `
			0d ` + hex.EncodeToString([]byte(":message-type")) + ` 07 0005 ` + hex.EncodeToString([]byte("event")) + `
			7b7d
			7006d467`},
		{"exception", exceptionMessage("ServiceException", "boom"), `
			00000080 | 0000005e | 58171308
			0f ` + hex.EncodeToString([]byte(":exception-type")) + ` 07 0010 ` + hex.EncodeToString([]byte("ServiceException")) + `
			0d ` + hex.EncodeToString([]byte(":content-type")) + ` 07 0010 ` + hex.EncodeToString([]byte("application/json")) + `
			0d ` + hex.EncodeToString([]byte(":message-type")) + ` 07 0009 ` + hex.EncodeToString([]byte("exception")) + `
			` + hex.EncodeToString([]byte(`{"message":"boom"}`)) + `
			cf16cfff`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.want)
			if !bytes.Equal(tc.got, want) {
				t.Fatalf("encoded\n got %x\nwant %x", tc.got, want)
			}
			// The decoder agrees on the CRCs it did not compute.
			if _, err := readMessage(bytes.NewReader(want)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Round trips through the tests' decoder: every byte value in the
// payload, empty payloads, InvokeComplete members left out when empty.
func TestEventStreamRoundTrip(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	var stream []byte
	for _, p := range [][]byte{all, {}, big} {
		stream = append(stream, payloadChunkEvent(p)...)
	}
	stream = append(stream, invokeCompleteEvent(invokeComplete{ErrorCode: "Unhandled", ErrorDetails: `{"a":"<b>"}`, LogResult: "U1RBUlQ="})...)
	msgs, err := readMessages(bytes.NewReader(stream))
	if err != nil || len(msgs) != 4 {
		t.Fatalf("%d messages, %v", len(msgs), err)
	}
	for i, want := range [][]byte{all, {}, big} {
		if msgs[i].get(":event-type") != "PayloadChunk" || msgs[i].get(":message-type") != "event" ||
			msgs[i].get(":content-type") != "application/octet-stream" || !bytes.Equal(msgs[i].payload, want) {
			t.Errorf("message %d: headers %v, %d bytes", i, msgs[i].headers, len(msgs[i].payload))
		}
	}
	if got := string(msgs[3].payload); got != `{"ErrorCode":"Unhandled","ErrorDetails":"{\"a\":\"<b>\"}","LogResult":"U1RBUlQ="}` {
		t.Errorf("InvokeComplete payload %s", got)
	}
	if got := string(compactJSON(invokeComplete{LogResult: "eA=="})); got != `{"LogResult":"eA=="}` {
		t.Errorf("only LogResult: %s", got)
	}
}

// The decoder tells each kind of damage apart (the misbehaving functions
// rely on that to be told apart by clients).
func TestEventStreamDecoderCatchesDamage(t *testing.T) {
	good := payloadChunkEvent([]byte("hello"))
	flip := func(i int) []byte {
		b := append([]byte{}, good...)
		b[i] ^= 0x01
		return b
	}
	for name, tc := range map[string]struct {
		data []byte
		want error
	}{
		"prelude CRC":           {flip(8), errBadPreludeCRC},
		"total length":          {flip(3), errBadPreludeCRC},
		"payload byte":          {flip(len(good) - 6), errBadMessageCRC},
		"message CRC":           {flip(len(good) - 1), errBadMessageCRC},
		"cut in the prelude":    {good[:6], errTruncated},
		"cut in the payload":    {good[:len(good)-3], errTruncated},
		"second message is cut": {append(append([]byte{}, good...), good[:20]...), errTruncated},
	} {
		if _, err := readMessages(bytes.NewReader(tc.data)); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
}
