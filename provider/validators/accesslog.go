package validators

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

type accessLog struct{ destination bool }

// AccessLogFormat checks an access log format as gatewayd compiles it: one line of known $context
// variables, with $context.requestId (or extendedRequestId).
func AccessLogFormat() validator.String { return accessLog{} }

// AccessLogDestination checks an access log destination_arn as gatewayd reads it.
func AccessLogDestination() validator.String { return accessLog{destination: true} }

func (v accessLog) Description(context.Context) string {
	if v.destination {
		return "must be a log group ARN, file:///PATH, stdout, syslog or syslog://HOST:PORT"
	}
	return "must be one line of $context variables including $context.requestId"
}

func (v accessLog) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v accessLog) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var err error
	summary := "Invalid Access Log Format"
	if v.destination {
		summary = "Invalid Access Log Destination"
		_, err = model.ParseAccessLogDestination(req.ConfigValue.ValueString())
	} else {
		_, err = model.ParseAccessLogFormat(req.ConfigValue.ValueString())
	}
	if err != nil {
		msg := err.Error()
		var fe *model.FieldError
		if errors.As(err, &fe) {
			msg = fe.Message
		}
		resp.Diagnostics.AddAttributeError(req.Path, summary, fmt.Sprintf("The value of %s %s.", req.Path, msg))
	}
}
