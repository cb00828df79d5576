package dataplane

import (
	"io"
	"net"
	"testing"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/internal/rawio"
)

// TestFirstReadConn checks that a 1-byte Read (fasthttp waiting for a request) brings in what the
// client sent, which the next Reads return in order, and that the end of the stream still comes.
func TestFirstReadConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	l := firstReadListener{ln}
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return
		}
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		c.Close()
	}()
	nc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c, ok := nc.(*firstReadConn)
	if !ok {
		t.Fatalf("Accept() = %T, want *firstReadConn", nc)
	}
	var one [1]byte
	if n, err := c.Read(one[:]); n != 1 || err != nil || one[0] != 'G' {
		t.Fatalf("first Read = %d, %v, %q; want 1, nil, 'G'", n, err, one[0])
	}
	// The whole request came in with the first read (one write on loopback): the rest is pending.
	// (Without raw access, under the race detector, small reads go to the socket as they are.)
	if _, raw := c.raw.(*rawio.Conn); raw {
		if got := string(c.pending); got != "ET / HTTP/1.1\r\nHost: x\r\n\r\n" {
			t.Fatalf("pending = %q", got)
		}
	}
	var two [2]byte
	if n, _ := c.Read(two[:]); string(two[:n]) != "ET" {
		t.Fatalf("second Read = %q, want \"ET\"", two[:n])
	}
	rest, err := io.ReadAll(c)
	if err != nil || string(rest) != " / HTTP/1.1\r\nHost: x\r\n\r\n" {
		t.Fatalf("ReadAll = %q, %v", rest, err)
	}
	if c.buf != nil || c.pending != nil {
		t.Error("the buffer was not released once drained")
	}
	if _, ok := nc.(interface{ CloseWrite() error }); !ok {
		t.Error("firstReadConn lost CloseWrite (lingerClose needs it)")
	}
}
