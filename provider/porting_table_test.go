package provider

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// TestPortingTable counts, for every aws_api_gateway_* resource and data source of the AWS provider
// (testdata/aws_api_gateway_attributes.txt), how many of its attributes this provider supports, accepts
// without meaning, or refuses, from the provider's own schemas, and fails when the table in README.md
// or the porting guide's template says otherwise. GATEWAYD_UPDATE_PORTING_TABLE=1 rewrites them.
//
// An attribute is supported when the gatewayd equivalent's schema has it, accepted without meaning
// when its description says so (it starts with "Accepted for ported configurations" or "Accepted for
// compatibility", or says it "has no effect here" or "means nothing here"), and refused when the schema
// lacks it: terraform then rejects the configuration ("An argument named ... is not expected here").
func TestPortingTable(t *testing.T) {
	objects := readAWSAttributes(t)
	rs, ds := providerSchemas(t)
	var table, guide strings.Builder
	table.WriteString("| AWS provider | here | attributes: supported / accepted, no meaning here / refused |\n|---|---|---|\n")
	var total [3]int
	var objs [3]int // equivalents, pending, none
	for _, o := range objects {
		here := "gatewayd" + strings.TrimPrefix(o.name, "aws_api_gateway")
		var sch schemaNode
		switch o.kind {
		case "resource":
			if s, ok := rs[here]; ok {
				sch = s
			}
		case "data":
			if s, ok := ds[here]; ok {
				sch = s
			}
		}
		label := "`" + o.name + "`"
		if o.kind == "data" {
			label += " (data source)"
		}
		if sch == nil {
			why, ok := portingMissing[o.kind+" "+o.name]
			if !ok {
				t.Errorf("%s %s has no gatewayd equivalent and no reason in portingMissing", o.kind, o.name)
			}
			if strings.HasPrefix(why, "pending") {
				objs[1]++
			} else {
				objs[2]++
			}
			fmt.Fprintf(&table, "| %s | %s | %d attributes |\n", label, why, len(o.attrs))
			continue
		}
		objs[0]++
		var supported, accepted, refused []string
		for _, a := range o.attrs {
			desc, ok := sch.lookup(a)
			switch {
			case !ok:
				refused = append(refused, a)
			case acceptedRE.MatchString(desc):
				accepted = append(accepted, a)
			default:
				supported = append(supported, a)
			}
		}
		total[0] += len(supported)
		total[1] += len(accepted)
		total[2] += len(refused)
		fmt.Fprintf(&table, "| %s | `%s` | %d / %d / %d |\n", label, here, len(supported), len(accepted), len(refused))
		fmt.Fprintf(&guide, "### %s → `%s`\n\n", label, here)
		fmt.Fprintf(&guide, "- Supported (%d): %s\n", len(supported), codeList(supported))
		fmt.Fprintf(&guide, "- Accepted, no meaning here (%d): %s\n", len(accepted), codeList(accepted))
		fmt.Fprintf(&guide, "- Refused (%d): %s\n\n", len(refused), codeList(refused))
	}
	fmt.Fprintf(&table, "| **%d of %d** | %d pending, %d not available | **%d / %d / %d** |\n",
		objs[0], len(objects), objs[1], objs[2], total[0], total[1], total[2])

	checkGenerated(t, "../README.md", "porting-table", table.String())
	checkGenerated(t, "../templates/guides/porting.md.tmpl", "porting-table", table.String())
	checkGenerated(t, "../templates/guides/porting.md.tmpl", "porting-attributes", guide.String())
}

// portingMissing says, for each AWS object without a gatewayd equivalent, why.
var portingMissing = map[string]string{
	"resource aws_api_gateway_domain_name_access_association": "not available: associates a private domain with a VPC endpoint, which gatewayd has no notion of",
	"resource aws_api_gateway_rest_api_put":                   "not available: use `body` (with `put_rest_api_mode`) on `gatewayd_rest_api`",
	"data aws_api_gateway_sdk":                                "not available: generate SDKs from `gatewayd_export`'s OpenAPI document",
}

var acceptedRE = regexp.MustCompile(`(?i)^accepted for (ported configurations|compatibility)|has no effect here|means nothing here`)

type awsObject struct {
	kind, name string
	attrs      []string
}

func readAWSAttributes(t *testing.T) []awsObject {
	t.Helper()
	f, err := os.Open("testdata/aws_api_gateway_attributes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []awsObject
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		head, attrs, ok := strings.Cut(line, ":")
		kind, name, ok2 := strings.Cut(head, " ")
		if !ok || !ok2 || (kind != "resource" && kind != "data") {
			t.Fatalf("bad line %q", line)
		}
		out = append(out, awsObject{kind: kind, name: name, attrs: strings.Fields(attrs)})
	}
	return out
}

// schemaNode finds an attribute (or block) by its dotted path and returns its description.
type schemaNode interface {
	lookup(path string) (string, bool)
}

type resourceNode struct {
	attrs  map[string]rschema.Attribute
	blocks map[string]rschema.Block
}

func (n resourceNode) lookup(p string) (string, bool) {
	head, rest, nested := strings.Cut(p, ".")
	if a, ok := n.attrs[head]; ok {
		if !nested {
			return a.GetMarkdownDescription(), true
		}
		if na, ok := a.(rschema.NestedAttribute); ok {
			attrs := map[string]rschema.Attribute{}
			for k, v := range na.GetNestedObject().GetAttributes() {
				attrs[k] = v.(rschema.Attribute)
			}
			return resourceNode{attrs: attrs}.lookup(rest)
		}
		return "", false
	}
	b, ok := n.blocks[head]
	if !ok {
		return "", false
	}
	if !nested {
		return b.GetMarkdownDescription(), true
	}
	obj := b.GetNestedObject()
	attrs := map[string]rschema.Attribute{}
	for k, v := range obj.GetAttributes() {
		attrs[k] = v.(rschema.Attribute)
	}
	blocks := map[string]rschema.Block{}
	for k, v := range obj.GetBlocks() {
		blocks[k] = v.(rschema.Block)
	}
	return resourceNode{attrs: attrs, blocks: blocks}.lookup(rest)
}

type dataNode struct {
	attrs  map[string]dsschema.Attribute
	blocks map[string]dsschema.Block
}

func (n dataNode) lookup(p string) (string, bool) {
	head, rest, nested := strings.Cut(p, ".")
	if a, ok := n.attrs[head]; ok {
		if !nested {
			return a.GetMarkdownDescription(), true
		}
		return "", false
	}
	b, ok := n.blocks[head]
	if !ok {
		return "", false
	}
	if !nested {
		return b.GetMarkdownDescription(), true
	}
	obj := b.GetNestedObject()
	attrs := map[string]dsschema.Attribute{}
	for k, v := range obj.GetAttributes() {
		attrs[k] = v.(dsschema.Attribute)
	}
	blocks := map[string]dsschema.Block{}
	for k, v := range obj.GetBlocks() {
		blocks[k] = v.(dsschema.Block)
	}
	return dataNode{attrs: attrs, blocks: blocks}.lookup(rest)
}

// providerSchemas returns the schema of every resource and data source by type name.
func providerSchemas(t *testing.T) (map[string]schemaNode, map[string]schemaNode) {
	t.Helper()
	ctx := context.Background()
	p := New("test")()
	rs, ds := map[string]schemaNode{}, map[string]schemaNode{}
	for _, f := range p.Resources(ctx) {
		r := f()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "gatewayd"}, &md)
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		rs[md.TypeName] = resourceNode{attrs: sr.Schema.Attributes, blocks: sr.Schema.Blocks}
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var md datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "gatewayd"}, &md)
		var sr datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &sr)
		ds[md.TypeName] = dataNode{attrs: sr.Schema.Attributes, blocks: sr.Schema.Blocks}
	}
	return rs, ds
}

func codeList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return "`" + strings.Join(names, "`, `") + "`"
}

// checkGenerated compares the text between <!-- NAME:start --> and <!-- NAME:end --> in a file with
// want, and rewrites it when GATEWAYD_UPDATE_PORTING_TABLE=1.
func checkGenerated(t *testing.T, file, name, want string) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	start, end := "<!-- "+name+":start -->\n", "<!-- "+name+":end -->"
	i := strings.Index(string(src), start)
	j := strings.Index(string(src), end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %s and %s markers", file, strings.TrimSpace(start), end)
	}
	got := string(src[i+len(start) : j])
	if got == want {
		return
	}
	if os.Getenv("GATEWAYD_UPDATE_PORTING_TABLE") == "1" {
		out := string(src[:i+len(start)]) + want + string(src[j:])
		if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s's %s section is stale: run GATEWAYD_UPDATE_PORTING_TABLE=1 go test -run TestPortingTable ./provider/ and commit. Want:\n%s", file, name, want)
}
