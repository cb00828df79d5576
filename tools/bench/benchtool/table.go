package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// row is one line of the results file: tab-separated name, rps, p50, p99, errors, rss (kB, or
// "before>after" kB), time (s) and note; empty fields were not measured.
type row struct {
	name, rps, p50, p99, errors, rss, time, note string
}

var httpRows = map[string]bool{"direct": true, "nginx": true, "haproxy": true, "caddy": true,
	"gatewayd proxy": true, "gatewayd key+throttle": true, "gatewayd key+JWT": true, "gatewayd cache hit": true, "gatewayd mock": true,
	"gatewayd mock+template": true, "gatewayd proxy+access log": true}

// runTable prints the results file as a markdown table with each HTTP row's ratio to nginx and to
// direct, and each routes row's ratio to the first one.
func runTable(args []string) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	in := fs.String("in", "", "results file (TSV)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		for len(p) < 8 {
			p = append(p, "")
		}
		rows = append(rows, row{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]})
	}
	if err := sc.Err(); err != nil {
		return err
	}
	rpsOf := func(name string) float64 {
		for _, r := range rows {
			if r.name == name {
				v, _ := strconv.ParseFloat(r.rps, 64)
				return v
			}
		}
		return 0
	}
	nginx, direct := rpsOf("nginx"), rpsOf("direct")
	var firstRoutes float64
	var firstRoutesName string
	fmt.Println("| row | req/s | p50 ms | p99 ms | errors | RSS MB | vs nginx | vs direct | time s | note |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range rows {
		rps, _ := strconv.ParseFloat(r.rps, 64)
		vsN, vsD := "", ""
		if httpRows[r.name] && rps > 0 {
			if nginx > 0 {
				vsN = fmt.Sprintf("%.2fx", rps/nginx)
			}
			if direct > 0 {
				vsD = fmt.Sprintf("%.2fx", rps/direct)
			}
		}
		note := r.note
		if (r.name == "gatewayd key+JWT" || r.name == "gatewayd proxy+access log") && rps > 0 && rpsOf("gatewayd proxy") > 0 {
			note = fmt.Sprintf("%.2fx gatewayd proxy; %s", rps/rpsOf("gatewayd proxy"), note)
		}
		if r.name == "gatewayd mock+template" && rps > 0 && rpsOf("gatewayd mock") > 0 {
			note = fmt.Sprintf("%.2fx gatewayd mock; %s", rps/rpsOf("gatewayd mock"), note)
		}
		if strings.HasPrefix(r.name, "routes ") && rps > 0 {
			if firstRoutes == 0 {
				firstRoutes, firstRoutesName = rps, r.name
			} else {
				note = strings.TrimSuffix(fmt.Sprintf("%.3fx %s; %s", rps/firstRoutes, firstRoutesName, note), "; ")
			}
		}
		rpsText := r.rps
		if rps > 0 {
			rpsText = fmt.Sprintf("%.0f", rps)
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.name, rpsText, num(r.p50), num(r.p99),
			r.errors, rssMB(r.rss), vsN, vsD, num(r.time), note)
	}
	return nil
}

func num(s string) string {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func rssMB(s string) string {
	if s == "" {
		return ""
	}
	parts := strings.Split(s, ">")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		kb, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return s
		}
		out = append(out, fmt.Sprintf("%.1f", kb/1024))
	}
	return strings.Join(out, " → ")
}
