package main

import "testing"

func TestCheckLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "127.0.0.1:8080", "[::1]:0", "localhost:0", "127.1.2.3:9"} {
		if err := checkLoopback("-addr", addr); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "192.168.1.10:80", "example.com:80", "127.0.0.1"} {
		if err := checkLoopback("-addr", addr); err == nil {
			t.Errorf("%s accepted", addr)
		}
	}
}
