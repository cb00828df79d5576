//go:build !unix

package dataplane

import (
	"net"
	"sync/atomic"
)

// clientGone cannot peek at a socket here: client disconnects are not seen by the fasthttp front end.
func clientGone(net.Conn, *atomic.Bool) bool { return false }
