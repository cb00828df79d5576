package provider

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/diagnostics"
)

// Updates are conditional: each resource keeps in its private state the version of the object that
// Terraform last read or wrote, and Update sends it as If-Match, so that a change made outside
// Terraform after the refresh is reported instead of silently overwritten.
//
// gatewayd also bumps versions on its own: an auto-deploy stage moves to a new deployment on every
// change of its API, moving a resource rewrites its descendants' paths, deleting a stage drops it
// from the usage plans that list it. Such a bump is no one's change to what Terraform manages, so on
// a 412 the update reads the object again and goes on over the new version when every attribute
// Terraform manages is as Terraform last read it. It also succeeds when the object already is what
// the plan asks for (an earlier attempt of the same call, retried by the client, got through).

// privateVersionKey is the private state key of the object's version.
const privateVersionKey = "version"

// privateData is the framework's private state of a resource (its type is internal).
type privateData interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// keepVersion records the version of the object that Terraform now holds in state.
func keepVersion(ctx context.Context, p privateData, version int64) diag.Diagnostics {
	if version <= 0 {
		return nil
	}
	return p.SetKey(ctx, privateVersionKey, strconv.AppendInt(nil, version, 10))
}

// lastVersion returns the version Terraform last read or wrote, or 0 when it has none (a state
// written by a provider before this one): the update is then unconditional.
func lastVersion(ctx context.Context, p privateData) int64 {
	b, diags := p.GetKey(ctx, privateVersionKey)
	if diags.HasError() || len(b) == 0 {
		return 0
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// maxConditionalPuts bounds the attempts of one update against an object that gatewayd keeps
// changing on its own.
const maxConditionalPuts = 4

// conditionalUpdate is one resource's Update: T is the object as gatewayd returns it, M the
// resource's model.
type conditionalUpdate[T any, M any] struct {
	// what names the object in diagnostics, such as "stage abc123defg/prod".
	what string
	// state and plan are the resource's prior state and plan.
	state, plan M
	// fromAPI sets a model from an object.
	fromAPI func(m *M, o T)
	// version returns an object's version.
	version func(o T) int64
	// put sends the update; get reads the object.
	put func(opts ...client.WriteOption) (T, error)
	get func() (T, error)
	// ignore names the attributes that gatewayd derives and changes on its own (a resource's path):
	// a change of them alone is not a change outside Terraform.
	ignore []string
	// forget, when set, removes from the last-read model what gatewayd changes there on its own, before
	// it is compared with the object read again.
	forget func(last *M)
}

// run sends the update with If-Match and returns the object as updated. On failure it adds a
// diagnostic to resp and returns false.
func (u conditionalUpdate[T, M]) run(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) (T, bool) {
	var zero T
	version := lastVersion(ctx, req.Private)
	for attempt := 1; ; attempt++ {
		var opts []client.WriteOption
		if version > 0 {
			opts = append(opts, client.IfMatch(version))
		}
		out, err := u.put(opts...)
		if err == nil {
			resp.Diagnostics.Append(keepVersion(ctx, resp.Private, u.version(out))...)
			return out, true
		}
		if !client.IsPreconditionFailed(err) || version == 0 {
			resp.Diagnostics.Append(diagnostics.ClientError("update "+u.what, err))
			return zero, false
		}
		cur, err := u.get()
		if client.IsNotFound(err) {
			resp.Diagnostics.Append(changedOutsideTerraform(u.what, "was deleted outside Terraform after Terraform last read it"))
			return zero, false
		}
		if err != nil {
			resp.Diagnostics.Append(diagnostics.ClientError("read "+u.what+" again after gatewayd refused its update (412)", err))
			return zero, false
		}
		got := u.plan
		u.fromAPI(&got, cur)
		if sameAttributes(&u.plan, &got, u.ignore) {
			resp.Diagnostics.Append(keepVersion(ctx, resp.Private, u.version(cur))...)
			return cur, true
		}
		last := u.state
		if u.forget != nil {
			u.forget(&last)
		}
		got = u.state
		u.fromAPI(&got, cur)
		if !sameAttributes(&last, &got, u.ignore) || attempt == maxConditionalPuts {
			resp.Diagnostics.Append(changedOutsideTerraform(u.what, fmt.Sprintf(
				"was changed outside Terraform after Terraform last read it (version %d then, %d now)", version, u.version(cur))))
			return zero, false
		}
		version = u.version(cur) // changed by gatewayd only where Terraform does not look: update over it
	}
}

// sameAttributes reports whether two models of one resource (pointers to structs of attribute
// values) agree on every attribute but those in ignore. An unknown value in want matches any value.
func sameAttributes(want, got any, ignore []string) bool {
	wv, gv := reflect.ValueOf(want).Elem(), reflect.ValueOf(got).Elem()
	for i := range wv.NumField() {
		name := wv.Type().Field(i).Tag.Get("tfsdk")
		if name == "" || name == "-" || slices.Contains(ignore, name) {
			continue
		}
		w, wok := wv.Field(i).Interface().(attr.Value)
		g, gok := gv.Field(i).Interface().(attr.Value)
		if !wok || !gok {
			if !reflect.DeepEqual(wv.Field(i).Interface(), gv.Field(i).Interface()) {
				return false
			}
			continue
		}
		switch {
		case w.IsUnknown(), w.IsNull() && g.IsNull():
		case !w.Equal(g):
			return false
		}
	}
	return true
}

// changedOutsideTerraform reports an update that gatewayd refused because the object changed since
// Terraform read it.
func changedOutsideTerraform(what, how string) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Object Changed Outside Terraform",
		fmt.Sprintf("While attempting to update %s, gatewayd refused the change because the object %s. "+
			"Terraform did not overwrite that change. Run terraform plan to see it, then terraform apply again "+
			"to apply the configuration over it (or change the configuration to keep it).", what, how))
}
