package apigw

import (
	"math"
	"strconv"
	"strings"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl"
)

// MockStatus reads the status code a MOCK integration's rendered request template asks for, as API
// Gateway does, leniently: {"statusCode": 200}, {statusCode: 404} and {"statusCode": "500"} all work.
// ok is false when the text names no status code between 100 and 599.
func MockStatus(body []byte) (status int, ok bool) {
	v, err := parseJSON(strings.TrimSpace(string(body)))
	if err != nil {
		return 0, false
	}
	m, isMap := v.(*vtl.Map)
	if !isMap {
		return 0, false
	}
	sc, _ := m.Get("statusCode")
	switch sc := sc.(type) {
	case int64:
		status = int(sc)
	case float64:
		if sc != math.Trunc(sc) {
			return 0, false
		}
		status = int(sc)
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(sc))
		if err != nil {
			return 0, false
		}
		status = n
	default:
		return 0, false
	}
	if status < 100 || status > 599 {
		return 0, false
	}
	return status, true
}
