package rawio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
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

// TestReadBuffer checks that a connection waiting for data holds no buffer from get, and that the
// data lands in one it takes once the data is there.
func TestReadBuffer(t *testing.T) {
	raw, peer := pair(t)
	var out atomic.Int32
	get := func() []byte { out.Add(1); return make([]byte, 64) }
	put := func([]byte) { out.Add(-1) }
	type result struct {
		b   []byte
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, n, err := raw.(*Conn).ReadBuffer(get, put)
		done <- result{b, n, err}
	}()
	time.Sleep(50 * time.Millisecond)
	if n := out.Load(); n != 0 {
		t.Errorf("waiting for data, %d buffers held; want 0", n)
	}
	peer.Write([]byte("GET /"))
	r := <-done
	if r.err != nil || string(r.b[:r.n]) != "GET /" || out.Load() != 1 {
		t.Fatalf("ReadBuffer = %q, %v with %d buffers out; want \"GET /\", nil, 1", r.b[:r.n], r.err, out.Load())
	}
	peer.Close()
	if b, n, err := raw.(*Conn).ReadBuffer(get, put); b != nil || n != 0 || err != io.EOF || out.Load() != 1 {
		t.Fatalf("ReadBuffer at the end = %v, %d, %v with %d buffers out; want nil, 0, io.EOF, 1", b, n, err, out.Load())
	}
}

// TestDeadlines checks the deadlines applied only when a call waits against net.Conn's behaviour: a
// deadline applied for one wait and passed since fails no later call; a passed deadline fails a read
// even with data there; a deadline set while a read waits interrupts it; a call waits no longer than
// its deadline.
func TestDeadlines(t *testing.T) {
	raw, peer := pair(t)
	buf := make([]byte, 16)
	timeout := func(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

	// Applied for a wait, then moved away; its time passes while nothing waits.
	raw.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	go func() {
		time.Sleep(5 * time.Millisecond)
		peer.Write([]byte("a"))
	}()
	if _, err := raw.Read(buf); err != nil {
		t.Fatalf("Read before the deadline: %v", err)
	}
	raw.SetReadDeadline(time.Time{})
	time.Sleep(60 * time.Millisecond)
	peer.Write([]byte("b"))
	if n, err := raw.Read(buf); err != nil || string(buf[:n]) != "b" {
		t.Fatalf("Read after an earlier deadline passed = %q, %v; want \"b\"", buf[:n], err)
	}
	go func() {
		time.Sleep(60 * time.Millisecond)
		peer.Write([]byte("c"))
	}()
	if n, err := raw.Read(buf); err != nil || string(buf[:n]) != "c" {
		t.Fatalf("waiting Read after an earlier deadline passed = %q, %v; want \"c\"", buf[:n], err)
	}

	// Applied for a wait, then moved later: a wait past the first deadline goes on to the second.
	raw.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	go func() {
		time.Sleep(5 * time.Millisecond)
		peer.Write([]byte("e"))
	}()
	if _, err := raw.Read(buf); err != nil {
		t.Fatalf("Read before the deadline: %v", err)
	}
	raw.SetReadDeadline(time.Now().Add(5 * time.Second))
	go func() {
		time.Sleep(100 * time.Millisecond)
		peer.Write([]byte("f"))
	}()
	if n, err := raw.Read(buf); err != nil || string(buf[:n]) != "f" {
		t.Fatalf("Read waiting past an earlier deadline = %q, %v; want \"f\"", buf[:n], err)
	}
	raw.SetReadDeadline(time.Time{})

	// Passed, never applied, data there.
	peer.Write([]byte("d"))
	time.Sleep(10 * time.Millisecond)
	raw.SetReadDeadline(time.Now().Add(-time.Second))
	if _, err := raw.Read(buf); !timeout(err) {
		t.Fatalf("Read past the deadline with data there = %v, want a timeout", err)
	}
	raw.SetReadDeadline(time.Time{})
	if n, err := raw.Read(buf); err != nil || string(buf[:n]) != "d" {
		t.Fatalf("Read after clearing the deadline = %q, %v; want \"d\"", buf[:n], err)
	}

	// Set while a read waits.
	done := make(chan error, 1)
	go func() {
		_, err := raw.Read(buf)
		done <- err
	}()
	time.Sleep(30 * time.Millisecond)
	raw.SetReadDeadline(time.Unix(1, 0))
	select {
	case err := <-done:
		if !timeout(err) {
			t.Fatalf("Read interrupted by a deadline = %v, want a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a deadline set while a Read waited did not interrupt it")
	}

	// A wait ends at its deadline.
	raw.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	start := time.Now()
	if _, err := raw.Read(buf); !timeout(err) || time.Since(start) > 5*time.Second {
		t.Fatalf("Read = %v after %v, want a timeout after about 30ms", err, time.Since(start))
	}
	raw.SetWriteDeadline(time.Now().Add(-time.Second))
	if _, err := raw.Write([]byte("x")); !timeout(err) {
		t.Fatalf("Write past the deadline = %v, want a timeout", err)
	}
}

// TestPeekClosed checks the disconnect peek: data is left to read, a deadline set while it waits
// ends it, the peer's close shows.
func TestPeekClosed(t *testing.T) {
	raw, peer := pair(t)
	rc := raw.(*Conn)
	var stop atomic.Bool
	peer.Write([]byte("x"))
	if rc.PeekClosed(&stop) {
		t.Fatal("PeekClosed = true with data there")
	}
	buf := make([]byte, 4)
	if n, err := raw.Read(buf); err != nil || string(buf[:n]) != "x" {
		t.Fatalf("Read after the peek = %q, %v", buf[:n], err)
	}
	done := make(chan bool, 1)
	go func() { done <- rc.PeekClosed(&stop) }()
	time.Sleep(30 * time.Millisecond)
	stop.Store(true)
	raw.SetReadDeadline(time.Unix(1, 0))
	select {
	case gone := <-done:
		if gone {
			t.Fatal("stopped PeekClosed = true")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a deadline set while PeekClosed waited did not end it")
	}
	raw.SetReadDeadline(time.Time{})
	stop.Store(false)
	go func() {
		time.Sleep(30 * time.Millisecond)
		peer.Close()
	}()
	if !rc.PeekClosed(&stop) {
		t.Fatal("PeekClosed = false after the peer closed")
	}
}
