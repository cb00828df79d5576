//go:build !windows && !plan9

package accesslog

import (
	"bytes"
	"log/syslog"
)

// syslogWriter sends each line as one syslog message (facility local0, severity info, tag gatewayd).
type syslogWriter struct{ w *syslog.Writer }

// dialSyslog connects to the local syslog daemon, or to addr over UDP.
func dialSyslog(addr string) (lineWriter, error) {
	network := ""
	if addr != "" {
		network = "udp"
	}
	w, err := syslog.Dial(network, addr, syslog.LOG_INFO|syslog.LOG_LOCAL0, "gatewayd")
	if err != nil {
		return nil, err
	}
	return &syslogWriter{w}, nil
}

// Write gets whole lines (the sink flushes after each one): one message each, without the line break.
func (s *syslogWriter) Write(p []byte) (int, error) {
	for line := range bytes.SplitSeq(p, []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		if err := s.w.Info(string(line)); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (s *syslogWriter) Close() error { return s.w.Close() }
