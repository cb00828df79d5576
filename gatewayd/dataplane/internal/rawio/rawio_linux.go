// Package rawio reads and writes TCP connections with raw system calls.
//
// A Go read or write on a socket enters the scheduler's syscall state: when it lasts more than a
// sysmon tick (20 µs, which a loopback write that delivers to its peer inline often does on a loaded
// machine) and goroutines wait, sysmon hands the P to another thread, and the thread that made the
// call must find a P again when it returns. On a proxy that makes four such calls per request, that
// hand-off churn (thread wake-ups, futexes, context switches, and sysmon itself polling at its
// shortest interval) costs more CPU than the calls. The sockets are non-blocking, so a raw call
// never waits: it returns EAGAIN and the goroutine parks on the netpoller as usual, and deadlines
// apply as usual.
package rawio

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Conn is a TCP connection whose Read and Write are raw system calls.
type Conn struct {
	*net.TCPConn
	rc syscall.RawConn
	// The callbacks and their arguments and results live here: closures would be allocated per call.
	// Read and Write may run at the same time: each has its own.
	readFn, writeFn, readBufFn func(fd uintptr) bool
	get                        func() []byte
	put                        func([]byte)
	rbuf, wbuf                 []byte
	rn, wn                     int
	rerrno, werrno             syscall.Errno
}

// New returns c with raw reads and writes, or c itself when it offers no raw access or the race
// detector is on.
func New(c *net.TCPConn) net.Conn {
	if raceEnabled {
		return c
	}
	return wrap(c)
}

func wrap(c *net.TCPConn) net.Conn {
	rc, err := c.SyscallConn()
	if err != nil {
		return c
	}
	rw := &Conn{TCPConn: c, rc: rc}
	rw.readFn, rw.writeFn, rw.readBufFn = rw.read, rw.write, rw.readBuf
	return rw
}

func (c *Conn) read(fd uintptr) bool {
	for {
		r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&c.rbuf[0])), uintptr(len(c.rbuf)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // wait until readable
		}
		c.rn, c.rerrno = int(r), e
		return true
	}
}

func (c *Conn) readBuf(fd uintptr) bool {
	c.rbuf = c.get()
	if !c.read(fd) {
		c.put(c.rbuf)
		c.rbuf = nil
		return false
	}
	return true
}

func (c *Conn) write(fd uintptr) bool {
	for len(c.wbuf) > 0 {
		r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&c.wbuf[0])), uintptr(len(c.wbuf)))
		switch e {
		case 0:
			c.wn += int(r)
			c.wbuf = c.wbuf[r:]
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false // wait until writable
		default:
			c.werrno = e
			return true
		}
	}
	return true
}

// Read reads as net.Conn's Read does.
func (c *Conn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	c.rbuf, c.rn, c.rerrno = b, 0, 0
	err := c.rc.Read(c.readFn)
	n, errno := c.rn, c.rerrno
	c.rbuf = nil

	switch {
	case err != nil:
		return 0, c.opError("read", err)
	case errno != 0:
		return 0, c.opError("read", os.NewSyscallError("read", errno))
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// ReadBuffer reads as Read does, into a buffer from get that it takes only when the connection has
// data: a read that has to wait gives it back to put first, so that a connection waiting for its
// next request holds none. It returns the buffer, nil on error.
func (c *Conn) ReadBuffer(get func() []byte, put func([]byte)) ([]byte, int, error) {
	c.get, c.put, c.rbuf, c.rn, c.rerrno = get, put, nil, 0, 0
	err := c.rc.Read(c.readBufFn)
	b, n, errno := c.rbuf, c.rn, c.rerrno
	c.get, c.put, c.rbuf = nil, nil, nil
	switch {
	case err == nil && errno == 0 && n > 0:
		return b, n, nil
	case b != nil:
		put(b)
	}
	switch {
	case err != nil:
		return nil, 0, c.opError("read", err)
	case errno != 0:
		return nil, 0, c.opError("read", os.NewSyscallError("read", errno))
	}
	return nil, 0, io.EOF
}

// Write writes all of b, as net.Conn's Write does.
func (c *Conn) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	c.wbuf, c.wn, c.werrno = b, 0, 0
	err := c.rc.Write(c.writeFn)
	n, errno := c.wn, c.werrno
	c.wbuf = nil
	switch {
	case err != nil:
		return n, c.opError("write", err)
	case errno != 0:
		return n, c.opError("write", os.NewSyscallError("write", errno))
	}
	return n, nil
}

func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
