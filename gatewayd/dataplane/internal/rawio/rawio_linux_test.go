package rawio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

func pair(t *testing.T) (raw net.Conn, peer net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(done)
			return
		}
		done <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer = <-done
	if peer == nil {
		t.Fatal("accept failed")
	}
	raw = wrap(c.(*net.TCPConn))
	t.Cleanup(func() { raw.Close(); peer.Close() })
	return raw, peer
}

// TestConn checks that raw reads and writes behave as net.Conn's: all of a large write arrives (it
// waits for room), reads wait for data, a read deadline ends a read with a timeout *net.OpError, and
// the peer's close reads as io.EOF.
func TestConn(t *testing.T) {
	raw, peer := pair(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MB: more than the socket buffers hold
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(peer, int64(len(big))))
		got <- b
	}()
	if n, err := raw.Write(big); n != len(big) || err != nil {
		t.Fatalf("Write(4 MB) = %d, %v", n, err)
	}
	if b := <-got; !bytes.Equal(b, big) {
		t.Fatalf("peer read %d bytes, not what was written", len(b))
	}

	go func() {
		time.Sleep(20 * time.Millisecond)
		peer.Write([]byte("hello"))
	}()
	buf := make([]byte, 16)
	if n, err := raw.Read(buf); err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("Read = %q, %v; want \"hello\"", buf[:n], err)
	}

	raw.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := raw.Read(buf)
	var oe *net.OpError
	if !errors.As(err, &oe) || !oe.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline = %v (%T), want a timeout *net.OpError", err, err)
	}
	raw.SetReadDeadline(time.Time{})

	peer.Close()
	if n, err := raw.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read after the peer closed = %d, %v; want 0, io.EOF", n, err)
	}
	raw.Close()
	if _, err := raw.Write([]byte("x")); err == nil {
		t.Fatal("Write on a closed connection succeeded")
	}
}
