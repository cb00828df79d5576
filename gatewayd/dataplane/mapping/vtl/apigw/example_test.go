package apigw_test

import (
	"fmt"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/dataplane/mapping/vtl/apigw"
)

func ExampleRender() {
	// Compile once, when the stage is loaded; a syntax error is a *vtl.Error with its line and column.
	tmpl, err := apigw.Parse("POST /orders application/json", `#set($o = $input.path('$'))
{
  "id": "$o.id",
  "items": $input.json('$.items'),
  "requestedBy": "$context.identity.sourceIp"
}
#set($context.requestOverride.header.X-Order = $o.id)`)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Render per request.
	out, err := apigw.Render(tmpl, &apigw.Input{
		Body:    []byte(`{"id": "o-1", "items": [{"sku": "A", "qty": 2}]}`),
		Context: apigw.Context{Stage: "prod", RequestTime: time.Now(), Identity: apigw.Identity{SourceIP: "192.0.2.1"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(out.Body))
	fmt.Println(out.Overrides.RequestHeader)
	// Output:
	// {
	//   "id": "o-1",
	//   "items": [{"sku":"A","qty":2}],
	//   "requestedBy": "192.0.2.1"
	// }
	// map[X-Order:[o-1]]
}

func ExampleMockStatus() {
	tmpl, _ := apigw.Parse("mock", `{#if($input.params('scope') == "internal")"statusCode": 200#{else}"statusCode": 500#end}`)
	out, _ := apigw.Render(tmpl, &apigw.Input{Query: map[string]string{"scope": "internal"}})
	fmt.Println(apigw.MockStatus(out.Body))
	// Output: 200 true
}
