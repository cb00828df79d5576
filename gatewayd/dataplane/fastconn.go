package dataplane

import (
	"net"
	"sync"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/internal/rawio"
)

// firstReadSize is the most a connection reads at the start of a request on fasthttp's behalf.
const firstReadSize = 4 << 10

// firstReads holds the buffers of first reads; a connection holds one only from the first byte of a
// request until fasthttp has taken the rest, so idle connections hold none.
var firstReads = sync.Pool{New: func() any { return new([firstReadSize]byte) }}

// firstReadListener hands fasthttp plain TCP connections as firstReadConn.
type firstReadListener struct{ net.Listener }

func (l firstReadListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		return &firstReadConn{TCPConn: tc, raw: rawio.New(tc)}, nil
	}
	return c, err
}

// firstReadConn saves a read syscall per keep-alive request. With ReduceMemoryUsage (which keeps idle
// connections free of buffers), fasthttp waits for each request with a 1-byte Read, then takes a
// buffer and reads the rest: two reads for what one could bring in. A small Read here fills a pooled
// buffer instead and serves the rest of it to the next Reads. (A buffer still held when the
// connection closes is left to the collector: Close may run beside a Read.)
type firstReadConn struct {
	*net.TCPConn
	// raw reads and writes the connection (rawio).
	raw     net.Conn
	buf     *[firstReadSize]byte
	pending []byte
	// ip is the peer's address as text, formatted once per connection rather than per request.
	ip string
}

// sourceIP returns the peer's IP address.
func (c *firstReadConn) sourceIP() string {
	if c.ip == "" {
		c.ip = remoteIP(c.RemoteAddr())
	}
	return c.ip
}

func (c *firstReadConn) Read(b []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(b, c.pending)
		c.pending = c.pending[n:]
		if len(c.pending) == 0 {
			c.release()
		}
		return n, nil
	}
	if len(b) >= firstReadSize/4 {
		return c.raw.Read(b)
	}
	buf := firstReads.Get().(*[firstReadSize]byte)
	n, err := c.raw.Read(buf[:])
	m := copy(b, buf[:n])
	if m == n {
		firstReads.Put(buf)
		return m, err
	}
	// The error, if any, comes again on the Read after the pending bytes.
	c.buf, c.pending = buf, buf[m:n]
	return m, nil
}

func (c *firstReadConn) Write(b []byte) (int, error) { return c.raw.Write(b) }

func (c *firstReadConn) release() {
	firstReads.Put(c.buf)
	c.buf, c.pending = nil, nil
}

// NetConn returns the TCP connection, which the disconnect watch peeks at (watch_unix.go): bytes
// still pending here are a pipelined request, which stops the watch as data on the socket would.
func (c *firstReadConn) NetConn() net.Conn { return c.TCPConn }
