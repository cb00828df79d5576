// Package diagnostics builds the provider's diagnostics so that every error reads the same way: a
// Title Case summary and a detail that says what was attempted, what to try and the original error.
package diagnostics

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// ClientError reports a failed admin API call: action is a verb phrase such as "create the stage".
func ClientError(action string, err error) diag.Diagnostic {
	return diag.NewErrorDiagnostic("gatewayd API Error",
		fmt.Sprintf("While attempting to %s, gatewayd's admin API returned an error. "+
			"Check the configuration and that gatewayd is reachable, then retry.\n\nOriginal Error: %s", action, err))
}

// ImportIDError reports an import ID that is not of the documented form.
func ImportIDError(got, form, example string) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Invalid Import ID",
		fmt.Sprintf("The import ID must have the form %s (for example %q), got %q.", form, example, got))
}

// UnexpectedConfigure reports provider data of the wrong type.
func UnexpectedConfigure(got any) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Unexpected Resource Configure Type",
		fmt.Sprintf("Expected *client.Client, got: %T. This is always a bug in the provider code and should be reported to the provider developers.", got))
}
