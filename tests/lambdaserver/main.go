// Command lambdaserver is a test server for the AWS Lambda Invoke API
// (POST /2015-03-31/functions/{name}/invocations), written from the API
// reference rather than from this project's client, for the behaviours the
// emulators skip. It listens on 127.0.0.1 only.
//
// Functions:
//
//	add-numbers  {"x":1,"y":2} -> 3
//	echo         returns the payload as it came
//	sleep        {"ms":200}: answers after that many milliseconds
//	anything else: 404 ResourceNotFoundException
//
// GET /_test/stats returns what it served, as JSON.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

const invokePrefix = "/2015-03-31/functions/"

type server struct {
	invocations atomic.Int64
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	portFile := flag.String("port-file", "", "write the chosen port to this file once listening")
	flag.Parse()

	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	port := listener.Addr().(*net.TCPAddr).Port
	if *portFile != "" {
		if err := os.WriteFile(*portFile, []byte(fmt.Sprint(port)), 0o600); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("lambdaserver listening on %s", listener.Addr())
	s := &server{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+invokePrefix+"{function}/invocations", s.invoke)
	mux.HandleFunc("GET /_test/stats", s.stats)
	log.Fatal(http.Serve(listener, mux))
}

func (s *server) stats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]int64{"invocations": s.invocations.Load()})
}

func (s *server) invoke(w http.ResponseWriter, r *http.Request) {
	s.invocations.Add(1)
	payload, err := io.ReadAll(r.Body)
	if err != nil {
		serviceError(w, http.StatusBadRequest, "InvalidRequestContentException", "cannot read the request body")
		return
	}
	function := r.PathValue("function")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	switch function {
	case "add-numbers":
		var in struct{ X, Y float64 }
		if err := json.Unmarshal(payload, &in); err != nil {
			serviceError(w, http.StatusBadRequest, "InvalidRequestContentException",
				"Could not parse request body into json: "+err.Error())
			return
		}
		_, _ = fmt.Fprint(w, in.X+in.Y)
	case "echo":
		_, _ = w.Write(payload)
	case "sleep":
		var in struct{ Ms int }
		_ = json.Unmarshal(payload, &in)
		select {
		case <-time.After(time.Duration(in.Ms) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		_, _ = fmt.Fprintf(w, `{"sleptMs":%d}`, in.Ms)
	default:
		serviceError(w, http.StatusNotFound, "ResourceNotFoundException",
			"Function not found: arn:aws:lambda:us-east-1:123456789012:function:"+strings.ReplaceAll(function, "/", ""))
	}
}

// serviceError answers as Lambda does: the type in X-Amzn-ErrorType and a
// JSON body with Type and Message.
func serviceError(w http.ResponseWriter, status int, errorType, message string) {
	w.Header().Set("X-Amzn-ErrorType", errorType)
	writeJSON(w, status, map[string]string{"Type": "User", "Message": message})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
