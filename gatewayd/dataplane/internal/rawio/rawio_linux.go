// Package rawio reads and writes TCP connections with raw system calls.
//
// A Go read or write on a socket enters the scheduler's syscall state: when it lasts more than a
// sysmon tick (20 µs, which a loopback write that delivers to its peer inline often does on a loaded
// machine) and goroutines wait, sysmon hands the P to another thread, and the thread that made the
// call must find a P again when it returns. On a proxy that makes four such calls per request, that
// hand-off churn (thread wake-ups, futexes, context switches, and sysmon itself polling at its
// shortest interval) costs more CPU than the calls. The sockets are non-blocking, so a raw call
// never waits: it returns EAGAIN and the goroutine parks on the netpoller as usual.
//
// Deadlines are applied to the socket only when a call is about to wait. A server sets three or four
// per request (idle, header, body, write) and a client one per call, and each moves a runtime timer;
// most calls never wait (the request is read from a buffer, the answer fits the socket buffer), so
// most of those settings never matter. Where it shows, they behave as net.Conn's: a call waits no
// later than its deadline (it may wake earlier, at a deadline applied before, and wait on), a call
// after the deadline fails with os.ErrDeadlineExceeded, and a deadline set while a call waits applies
// to it at once.
package rawio

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
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
	// rwaited and wwaited are set by a callback that let its call wait.
	rwaited, wwaited bool
	// peekStop and peekGone are PeekClosed's.
	peekStop *atomic.Bool
	peekGone bool
	peekFn   func(fd uintptr) bool

	// dmu guards the deadlines.
	dmu    sync.Mutex
	rd, wd deadline
}

// deadline is a read or write deadline as set and as applied to the socket.
type deadline struct {
	want, set time.Time
	// waiting is set while a call waits on the poller: want is applied at once then.
	waiting bool
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
	rw.readFn, rw.writeFn, rw.readBufFn, rw.peekFn = rw.read, rw.write, rw.readBuf, rw.peek
	return rw
}

func (c *Conn) read(fd uintptr) bool {
	for {
		r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&c.rbuf[0])), uintptr(len(c.rbuf)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			c.wait(&c.rd, &c.rwaited)
			return false // wait until readable
		}
		c.rn, c.rerrno = int(r), e
		return true
	}
}

// wait readies a call to wait on the poller: it applies the deadline d wants, and marks it waiting.
// An applied deadline earlier than the wanted one but still ahead is left: if it passes during the
// wait, the call wakes then and retry applies the wanted one. Each call wanting a deadline a little
// later than the last (a keep-alive client's idle timeout, a backend call's timeout) then moves no
// timer, but once per timeout. (Applying fails only on a closed socket, where the wait fails too.)
func (c *Conn) wait(d *deadline, waited *bool) {
	c.dmu.Lock()
	if !(!d.set.IsZero() && (d.want.IsZero() || d.set.Before(d.want)) && time.Now().Before(d.set)) {
		c.apply(d)
	}
	d.waiting, *waited = true, true
	c.dmu.Unlock()
}

// apply sets d's wanted deadline on the socket; dmu is held.
func (c *Conn) apply(d *deadline) error {
	if d.want.Equal(d.set) {
		return nil
	}
	var err error
	if d == &c.rd {
		err = c.TCPConn.SetReadDeadline(d.want)
	} else {
		err = c.TCPConn.SetWriteDeadline(d.want)
	}
	if err == nil {
		d.set = d.want
	}
	return err
}

// begin readies a call for deadline d: a deadline that has passed but is not applied yet is applied
// (the call then fails, as on a net.Conn).
func (c *Conn) begin(d *deadline) {
	c.dmu.Lock()
	if !d.want.Equal(d.set) && !d.want.IsZero() && !time.Now().Before(d.want) {
		c.apply(d)
	}
	c.dmu.Unlock()
}

// retry ends a call for deadline d that returned err; it reports whether to make the call again: a
// timeout of a deadline that was applied earlier and has been moved since.
func (c *Conn) retry(d *deadline, waited *bool, err error) bool {
	if !*waited && err == nil {
		return false
	}
	*waited = false
	c.dmu.Lock()
	defer c.dmu.Unlock()
	d.waiting = false
	if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) || d.want.Equal(d.set) {
		return false
	}
	return c.apply(d) == nil
}

// SetDeadline sets the read and write deadlines, as net.Conn's does (see the package comment).
// While a call waits, a new deadline applies to it at once.
func (c *Conn) SetDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.rd.want, c.wd.want = t, t
	return errors.Join(c.applyIfWaiting(&c.rd), c.applyIfWaiting(&c.wd))
}

// SetReadDeadline sets the read deadline, as net.Conn's does (see the package comment).
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.rd.want = t
	return c.applyIfWaiting(&c.rd)
}

// SetWriteDeadline sets the write deadline, as net.Conn's does (see the package comment).
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.wd.want = t
	return c.applyIfWaiting(&c.wd)
}

func (c *Conn) applyIfWaiting(d *deadline) error {
	if !d.waiting {
		return nil
	}
	return c.apply(d)
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
			c.wait(&c.wd, &c.wwaited)
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
	c.begin(&c.rd)
	var err error
	for {
		c.rbuf, c.rn, c.rerrno = b, 0, 0
		err = c.rc.Read(c.readFn)
		if !c.retry(&c.rd, &c.rwaited, err) {
			break
		}
	}
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
	c.begin(&c.rd)
	var err error
	for {
		c.get, c.put, c.rbuf, c.rn, c.rerrno = get, put, nil, 0, 0
		err = c.rc.Read(c.readBufFn)
		if !c.retry(&c.rd, &c.rwaited, err) {
			break
		}
	}
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
	c.begin(&c.wd)
	c.wbuf, c.wn, c.werrno = b, 0, 0
	var err error
	for {
		err = c.rc.Write(c.writeFn)
		if !c.retry(&c.wd, &c.wwaited, err) {
			break
		}
	}
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

// PeekClosed waits until the peer closes its side (true: end of stream or reset), data arrives, stop
// is set or the read deadline passes (false), and leaves whatever arrived to be read. A read deadline
// set while it waits interrupts it.
func (c *Conn) PeekClosed(stop *atomic.Bool) bool {
	c.begin(&c.rd)
	c.peekStop, c.peekGone = stop, false
	for {
		err := c.rc.Read(c.peekFn)
		if !c.retry(&c.rd, &c.rwaited, err) {
			break
		}
	}
	c.peekStop = nil
	return c.peekGone
}

func (c *Conn) peek(fd uintptr) bool {
	if c.peekStop.Load() {
		return true
	}
	var buf [1]byte
	n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch {
	case err == syscall.EAGAIN || err == syscall.EINTR:
		c.wait(&c.rd, &c.rwaited)
		return false // nothing yet: wait until readable
	case err != nil: // reset
		c.peekGone = true
	case n == 0: // end of stream
		c.peekGone = true
	}
	return true
}

func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
