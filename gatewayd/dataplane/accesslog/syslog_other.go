//go:build windows || plan9

package accesslog

import "errors"

type syslogWriter struct{ lineWriter }

func dialSyslog(string) (lineWriter, error) {
	return nil, errors.New("syslog is not available on this system")
}
