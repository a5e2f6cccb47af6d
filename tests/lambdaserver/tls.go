package main

// TLS for -tls-listen: the same server behind a certificate generated at
// start and signed by its own key, so that no client trusts it. Everything
// else about it is right (it names 127.0.0.1, ::1 and localhost, and is
// valid now): a client that refuses it can only be objecting to its
// unknown issuer.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

// selfSignedCertificate makes a server certificate for the loopback
// addresses and localhost, valid from an hour before now to a day after,
// signed by its own (new) key.
func selfSignedCertificate(now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generating the TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generating a serial number: %w", err)
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "lambdaserver self-signed test certificate"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("creating the TLS certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("parsing the TLS certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// tlsListener wraps inner in TLS with cert, counting every ClientHello in
// the server's stats. Only HTTP/1.1 is offered, so that the misbehaving
// functions can take over the connection as they do in plain HTTP.
// maxVersion caps the TLS version (0: TLS 1.3, Go's highest; -tls12-listen
// gives tls.VersionTLS12, for clients that must insist on TLS 1.3).
func (s *server) tlsListener(inner net.Listener, cert tls.Certificate, maxVersion uint16) net.Listener {
	config := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   maxVersion,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			s.stats.countTLSHello()
			return nil, nil // the config above
		},
	}
	return tls.NewListener(inner, config)
}

// tcpConn is the TCP connection under conn (plain or TLS), nil if none.
func tcpConn(conn net.Conn) *net.TCPConn {
	if t, ok := conn.(*tls.Conn); ok {
		conn = t.NetConn()
	}
	tcp, _ := conn.(*net.TCPConn)
	return tcp
}
