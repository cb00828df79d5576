// Command monitoringdoc writes the monitoring guide's template (templates/guides/monitoring.md.tmpl,
// which tfplugindocs renders into docs/guides/) and its Grafana dashboard
// (examples/guides/monitoring/grafana-dashboard.json) from telemetry.Catalog and
// model.AccessLogVariables, so that the guide, the dashboard and the daemon name the same metrics.
// `make docs` runs it (tools/tools.go) from the repository root; `make test` fails when its output is
// stale.
package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"text/template"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/telemetry"
	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

//go:embed guide.md
var guide string

func main() {
	out := flag.String("guide", "templates/guides/monitoring.md.tmpl", "the guide template to write")
	dash := flag.String("dashboard", "examples/guides/monitoring/grafana-dashboard.json", "the dashboard to write")
	flag.Parse()
	d, err := dashboard()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*dash, d, 0o644); err != nil {
		log.Fatal(err)
	}
	g, err := render()
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, g, 0o644); err != nil {
		log.Fatal(err)
	}
}

func render() ([]byte, error) {
	t, err := template.New("guide").Delims("[[", "]]").Parse(guide)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = t.Execute(&b, map[string]string{"Metrics": metricsTable(), "Variables": variablesTable(), "Dashes": dashVariables()})
	return b.Bytes(), err
}

func metricsTable() string {
	var b strings.Builder
	b.WriteString("| metric | type | labels | API Gateway | meaning |\n|---|---|---|---|---|\n")
	for _, m := range telemetry.Catalog {
		aws := m.AWS
		if aws == "" {
			aws = "-"
		}
		labels := "-"
		if len(m.Labels) > 0 {
			labels = "`" + strings.Join(m.Labels, "`, `") + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", m.Name, m.Kind, labels, aws, m.Help)
	}
	return b.String()
}

func variablesTable() string {
	var b strings.Builder
	b.WriteString("| variable | value |\n|---|---|\n")
	for _, v := range model.AccessLogVariables {
		if !v.Dash {
			fmt.Fprintf(&b, "| `$context.%s` | %s |\n", v.Name, v.Description)
		}
	}
	return b.String()
}

func dashVariables() string {
	var names []string
	for _, v := range model.AccessLogVariables {
		if v.Dash {
			names = append(names, "`$context."+v.Name+"`")
		}
	}
	return strings.Join(names, ", ")
}

// The Grafana dashboard: one time series panel per catalog entry with a Panel, two a row, over a
// Prometheus data source and the api and stage variables.
type (
	dash struct {
		Title         string    `json:"title"`
		UID           string    `json:"uid"`
		Description   string    `json:"description"`
		SchemaVersion int       `json:"schemaVersion"`
		Editable      bool      `json:"editable"`
		Time          timeRange `json:"time"`
		Refresh       string    `json:"refresh"`
		Templating    struct {
			List []variable `json:"list"`
		} `json:"templating"`
		Panels []panel `json:"panels"`
	}
	timeRange struct {
		From string `json:"from"`
		To   string `json:"to"`
	}
	variable struct {
		Name       string      `json:"name"`
		Label      string      `json:"label"`
		Type       string      `json:"type"`
		Query      any         `json:"query"`
		Datasource *datasource `json:"datasource,omitempty"`
		Multi      bool        `json:"multi,omitempty"`
		IncludeAll bool        `json:"includeAll,omitempty"`
		AllValue   string      `json:"allValue,omitempty"`
		Refresh    int         `json:"refresh,omitempty"`
	}
	datasource struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	}
	panel struct {
		ID          int         `json:"id"`
		Type        string      `json:"type"`
		Title       string      `json:"title"`
		Description string      `json:"description"`
		Datasource  datasource  `json:"datasource"`
		GridPos     gridPos     `json:"gridPos"`
		FieldConfig fieldConfig `json:"fieldConfig"`
		Targets     []target    `json:"targets"`
	}
	gridPos struct {
		H int `json:"h"`
		W int `json:"w"`
		X int `json:"x"`
		Y int `json:"y"`
	}
	fieldConfig struct {
		Defaults struct {
			Unit string `json:"unit,omitempty"`
		} `json:"defaults"`
		Overrides []any `json:"overrides"`
	}
	target struct {
		RefID        string     `json:"refId"`
		Datasource   datasource `json:"datasource"`
		Expr         string     `json:"expr"`
		LegendFormat string     `json:"legendFormat"`
	}
)

func dashboard() ([]byte, error) {
	ds := datasource{Type: "prometheus", UID: "${datasource}"}
	d := dash{Title: "gatewayd", UID: "gatewayd", SchemaVersion: 39, Editable: true, Refresh: "30s",
		Description: "gatewayd's data plane, per API and stage. Generated from gatewayd's metric catalog; see the monitoring guide.",
		Time:        timeRange{From: "now-1h", To: "now"}}
	d.Templating.List = []variable{
		{Name: "datasource", Label: "Data source", Type: "datasource", Query: "prometheus"},
		{Name: "api", Label: "API", Type: "query", Datasource: &ds, Query: "label_values(gatewayd_requests_total, api)",
			Multi: true, IncludeAll: true, AllValue: ".*", Refresh: 2},
		{Name: "stage", Label: "Stage", Type: "query", Datasource: &ds, Query: `label_values(gatewayd_requests_total{api=~"$api"}, stage)`,
			Multi: true, IncludeAll: true, AllValue: ".*", Refresh: 2},
	}
	n := 0
	for _, m := range telemetry.Catalog {
		if m.Panel == nil {
			continue
		}
		p := panel{ID: n + 1, Type: "timeseries", Title: m.Panel.Title, Datasource: ds, Description: m.Help,
			GridPos: gridPos{H: 8, W: 12, X: 12 * (n % 2), Y: 8 * (n / 2)}, FieldConfig: fieldConfig{Overrides: []any{}}}
		p.FieldConfig.Defaults.Unit = m.Panel.Unit
		for i, q := range m.Panel.Queries {
			p.Targets = append(p.Targets, target{RefID: string(rune('A' + i)), Datasource: ds, Expr: q.Expr, LegendFormat: q.Legend})
		}
		d.Panels = append(d.Panels, p)
		n++
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
