package main

// The AWS event stream encoding (Content-Type:
// application/vnd.amazon.eventstream), in which InvokeWithResponseStream
// sends its events, written from the format's description
// (https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html,
// https://docs.aws.amazon.com/lexv2/latest/dg/event-stream-encoding.html).
//
// What this encoder emits, byte for byte (all integers big-endian):
//
//	message  = prelude, prelude CRC, headers, payload, message CRC
//	prelude  = total length (uint32: the whole message, both CRCs included)
//	           headers length (uint32: the bytes of all headers together)
//	prelude CRC = CRC-32 of the 8 prelude bytes
//	header   = name length (uint8), name, value type (uint8, always 7:
//	           string), value length (uint16), value
//	message CRC = CRC-32 of every byte before it (prelude and its CRC
//	           included)
//
// CRC-32 is the IEEE 802.3 polynomial (hash/crc32.ChecksumIEEE, zlib's
// crc32). Headers go out in the order given; only string headers are ever
// written. The messages of InvokeWithResponseStream, with their headers in
// the order they are written (the order the service sends them in):
//
//	PayloadChunk:   :event-type PayloadChunk, :content-type application/octet-stream,
//	                :message-type event; payload: the function's bytes as they are
//	InvokeComplete: :event-type InvokeComplete, :content-type application/json,
//	                :message-type event; payload: JSON, {"ErrorCode":..,"ErrorDetails":..,
//	                "LogResult":..}, each member left out when empty ({} when all are)
//	exception:      :exception-type <type>, :content-type application/json,
//	                :message-type exception; payload: {"message":...}

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
)

const (
	// preludeLength is the total and headers lengths; the prelude CRC
	// follows.
	preludeLength = 8
	// stringHeader is the value type of a string header.
	stringHeader = 7
	crcLength    = 4
)

// header is one string header of a message.
type header struct{ name, value string }

// encodeMessage frames headers and payload as one event stream message.
// Names longer than 255 bytes, values longer than 65535 or messages of
// 4 GiB are a bug of this server, hence the panics.
func encodeMessage(headers []header, payload []byte) []byte {
	var encoded []byte
	for _, h := range headers {
		if len(h.name) > math.MaxUint8 || len(h.value) > math.MaxUint16 {
			panic(fmt.Sprintf("event stream header %q too long", h.name))
		}
		encoded = append(encoded, byte(len(h.name))) // #nosec G115 -- checked above
		encoded = append(encoded, h.name...)
		encoded = append(encoded, stringHeader)
		encoded = binary.BigEndian.AppendUint16(encoded, uint16(len(h.value))) // #nosec G115 -- checked above
		encoded = append(encoded, h.value...)
	}
	total := preludeLength + crcLength + len(encoded) + len(payload) + crcLength
	if uint64(total) > math.MaxUint32 { // (int may be 32 bits)
		panic(fmt.Sprintf("event stream message of %d bytes", total))
	}
	msg := make([]byte, 0, total)
	msg = binary.BigEndian.AppendUint32(msg, uint32(total))        // #nosec G115 -- checked above
	msg = binary.BigEndian.AppendUint32(msg, uint32(len(encoded))) // #nosec G115 -- less than total
	msg = binary.BigEndian.AppendUint32(msg, crc32.ChecksumIEEE(msg))
	msg = append(msg, encoded...)
	msg = append(msg, payload...)
	return binary.BigEndian.AppendUint32(msg, crc32.ChecksumIEEE(msg))
}

// Content types of the events.
const (
	octetStream = "application/octet-stream"
	jsonType    = "application/json"
)

// payloadChunkEvent carries bytes of the function's response.
func payloadChunkEvent(payload []byte) []byte {
	return encodeMessage([]header{
		{":event-type", "PayloadChunk"},
		{":content-type", octetStream},
		{":message-type", "event"},
	}, payload)
}

// invokeComplete is the payload of the InvokeComplete event
// (InvokeWithResponseStreamCompleteEvent in the API reference).
type invokeComplete struct {
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorDetails string `json:"ErrorDetails,omitempty"`
	// LogResult is the base64 of the log's last 4 KB (X-Amz-Log-Type: Tail).
	LogResult string `json:"LogResult,omitempty"`
}

// invokeCompleteEvent ends a stream.
func invokeCompleteEvent(c invokeComplete) []byte {
	return encodeMessage([]header{
		{":event-type", "InvokeComplete"},
		{":content-type", jsonType},
		{":message-type", "event"},
	}, compactJSON(c))
}

// exceptionMessage is an error that interrupts a stream after the 200.
func exceptionMessage(exceptionType, message string) []byte {
	return encodeMessage([]header{
		{":exception-type", exceptionType},
		{":content-type", jsonType},
		{":message-type", "exception"},
	}, compactJSON(struct {
		Message string `json:"message"`
	}{message}))
}
