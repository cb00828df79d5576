package daemon

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/pki"
)

// The internal CA's root lives in the data directory (pki.RootCertFile, pki.RootKeyFile), created on
// first use: the first INTERNAL certificate, or the first start with a TLS listener.

// defaultCertValidity is the validity of the TLS listener's default certificate, issued at each start.
const defaultCertValidity = 365 * 24 * time.Hour

// renewEvery is how often INTERNAL certificates are checked for renewal.
const renewEvery = time.Hour

type tlsSetup struct {
	ca   *pki.CA
	cert *tls.Certificate
	host string
	port int
}

// listenTLS binds the TLS listener when cfg asks for one and issues its default certificate from the
// internal CA, for localhost, the loopback addresses and the listener's own address.
func (d *Daemon) listenTLS(cfg Config) (net.Listener, tlsSetup, error) {
	setup := tlsSetup{ca: pki.New(cfg.DataDir, nil)}
	d.CAFile = filepath.Join(cfg.DataDir, pki.RootCertFile)
	if cfg.TLSListen == "" {
		return nil, setup, nil
	}
	ln, err := net.Listen("tcp", cfg.TLSListen)
	if err != nil {
		return nil, setup, fmt.Errorf("listening for the data plane's TLS on %s: %w", cfg.TLSListen, err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	setup.port = addr.Port
	setup.host, _, _ = net.SplitHostPort(cfg.TLSListen)
	cert, err := defaultCertificate(cfg, setup.ca, addr)
	if err != nil {
		ln.Close()
		return nil, setup, err
	}
	setup.cert = cert
	d.TLSURL = "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(addr.Port))
	if !addr.IP.IsUnspecified() {
		d.TLSURL = "https://" + addr.String()
	}
	return ln, setup, nil
}

// renewCertificates renews INTERNAL certificates with a third of their validity left, every hour
// until Shutdown.
func (d *Daemon) renewCertificates(svc *control.Service) {
	d.stopRenew = make(chan struct{})
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		t := time.NewTicker(renewEvery)
		defer t.Stop()
		for {
			ids, err := svc.RenewCertificates(context.Background())
			if err != nil {
				d.log.Error("renewing certificates", "err", err)
			}
			if len(ids) > 0 {
				d.log.Info("renewed certificates", "ids", ids)
			}
			select {
			case <-d.stopRenew:
				return
			case <-t.C:
			}
		}
	}()
}

// defaultCertificate is the operator's (TLSCertFile, TLSKeyFile), or one the internal CA issues for
// localhost, the loopback addresses and the listener's address.
func defaultCertificate(cfg Config, ca *pki.CA, addr *net.TCPAddr) (*tls.Certificate, error) {
	if cfg.TLSCertFile != "" || cfg.TLSKeyFile != "" {
		if cfg.TLSCertFile == "" || cfg.TLSKeyFile == "" {
			return nil, fmt.Errorf("the TLS listener's default certificate needs both a certificate file and a key file")
		}
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading the TLS listener's default certificate: %w", err)
		}
		return &cert, nil
	}
	names := []string{"localhost", "127.0.0.1", "::1"}
	if ip := addr.IP; !ip.IsUnspecified() && !ip.IsLoopback() {
		names = append(names, ip.String())
	}
	certPEM, keyPEM, err := ca.Issue(names, defaultCertValidity)
	if err != nil {
		return nil, fmt.Errorf("issuing the TLS listener's default certificate: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &cert, nil
}
