//go:build unix

package dataplane

import (
	"errors"
	"net"
	"sync/atomic"
	"syscall"
)

// clientGone waits until nc's peer closes its side (true), data arrives, the watch is stopped or the
// read deadline passes (false). It peeks, so fasthttp still reads whatever arrives.
func clientGone(nc net.Conn, stopped *atomic.Bool) bool {
	if tc, ok := nc.(interface{ NetConn() net.Conn }); ok {
		nc = tc.NetConn() // TLS: closing shows on the TCP connection beneath
	}
	if p, ok := nc.(interface{ PeekClosed(*atomic.Bool) bool }); ok {
		return p.PeekClosed(stopped) // rawio: the deadlines are its own
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	gone := false
	var buf [1]byte
	rc.Read(func(fd uintptr) bool {
		if stopped.Load() {
			return true
		}
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR):
			return false // nothing yet: wait until readable
		case err != nil: // reset
			gone = true
		case n == 0: // end of stream
			gone = true
		}
		return true
	})
	return gone
}
