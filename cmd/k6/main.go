// Command k6 is k6 with the k6/x/lambda extension built in: the main
// package `xk6 build --with github.com/xk6-lambda/xk6-lambda=.` generates,
// kept here so that a checkout builds build/k6 with the Go toolchain alone
// (scripts/build.sh). Users build theirs with xk6 (README, "Install").
package main

import (
	k6cmd "go.k6.io/k6/v2/cmd"

	_ "github.com/xk6-lambda/xk6-lambda"
)

func main() {
	k6cmd.Execute()
}
