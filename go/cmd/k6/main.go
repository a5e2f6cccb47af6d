// Command k6 is k6 with the k6/x/lambda extension built in: what
// `xk6 build --with github.com/xk6-lambda/xk6-lambda/go=./go` produces.
// scripts/build.sh builds it with cgo into build/k6.
package main

import (
	k6cmd "go.k6.io/k6/cmd"

	_ "github.com/xk6-lambda/xk6-lambda/go"
)

func main() {
	k6cmd.Execute()
}
