package dataplane

import (
	"net"
	"sync"
	"time"

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
// buffer instead and serves the rest of it to the next Reads. Without raw access (rawio: not on Linux,
// or under the race detector) small reads go to the socket as they are. (A buffer still held when the
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
	rc, ok := c.raw.(*rawio.Conn)
	if !ok || len(b) >= firstReadSize/4 {
		return c.raw.Read(b)
	}
	// The buffer is taken once data is there: a connection waiting for its next request holds none.
	buf, n, err := rc.ReadBuffer(getFirstRead, putFirstRead)
	if err != nil {
		return 0, err
	}
	m := copy(b, buf[:n])
	if m == n {
		putFirstRead(buf)
		return m, nil
	}
	c.buf, c.pending = (*[firstReadSize]byte)(buf), buf[m:n]
	return m, nil
}

func getFirstRead() []byte  { return firstReads.Get().(*[firstReadSize]byte)[:] }
func putFirstRead(b []byte) { firstReads.Put((*[firstReadSize]byte)(b)) }

func (c *firstReadConn) Write(b []byte) (int, error) { return c.raw.Write(b) }

// Deadlines go to the raw connection, which applies them only when a call waits (rawio).
func (c *firstReadConn) SetDeadline(t time.Time) error      { return c.raw.SetDeadline(t) }
func (c *firstReadConn) SetReadDeadline(t time.Time) error  { return c.raw.SetReadDeadline(t) }
func (c *firstReadConn) SetWriteDeadline(t time.Time) error { return c.raw.SetWriteDeadline(t) }

func (c *firstReadConn) release() {
	firstReads.Put(c.buf)
	c.buf, c.pending = nil, nil
}

// NetConn returns the connection beneath, which the disconnect watch peeks at (watch_unix.go): the raw
// one, which keeps the deadlines. Nothing is pending here by then: fasthttp's read buffer, larger
// than firstReadSize, took it all before the handler ran.
func (c *firstReadConn) NetConn() net.Conn { return c.raw }
