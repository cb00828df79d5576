package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
	"github.com/gatewayd/terraform-provider-gatewayd/provider/validators"
)

// access_log_settings of gatewayd_stage, as in aws_api_gateway_stage.

var accessLogAttrTypes = map[string]attr.Type{
	"destination_arn": types.StringType,
	"format":          types.StringType,
}

func accessLogBlock() schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: "Access logging: one line per request in `format`, as API Gateway's access logs. At most one block; " +
			"without it the stage writes no access log. Lines are written by a goroutine per destination through a bounded " +
			"buffer: a request never waits for the log, and lines that find the buffer full (or a destination that fails) are " +
			"dropped and counted in `gatewayd_access_log_dropped_total`. See the monitoring guide for the variables and presets.",
		Validators: []validator.List{listvalidator.SizeAtMost(1)},
		NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
			"destination_arn": schema.StringAttribute{
				MarkdownDescription: "Where lines go. A CloudWatch Logs log group ARN, `arn:aws:logs:REGION:ACCOUNT:log-group:NAME` " +
					"(a trailing `:*` is allowed), writes `DATA_DIR/logs/NAME.log` on the gatewayd node (a `/` in NAME makes " +
					"directories), rotated by size (by default at 100 MiB, 5 old files kept as `NAME.log.1` ...: gatewayd's " +
					"`--access-log-max-bytes` and `--access-log-max-files`). `file:///PATH` writes that " +
					"file, rotated the same way. `stdout` writes gatewayd's standard output; `syslog` the local syslog daemon, " +
					"`syslog://HOST:PORT` a syslog server over UDP (facility local0, severity info, tag gatewayd). Kinesis Data " +
					"Firehose ARNs are refused. Required.",
				Required:   true,
				Validators: []validator.String{validators.AccessLogDestination()},
			},
			"format": schema.StringAttribute{
				MarkdownDescription: "One line of text with API Gateway's `$context` variables, such as the CLF preset " +
					"`$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] " +
					"\"$context.httpMethod $context.resourcePath $context.protocol\" $context.status $context.responseLength " +
					"$context.requestId $context.extendedRequestId`. It must contain `$context.requestId` (or " +
					"`$context.extendedRequestId`), as in API Gateway; unknown variables, `$input` and line breaks are refused " +
					"at plan time. A variable without a value is written `-`. Values are escaped for the format's syntax (JSON " +
					"when it starts with `{` or `[`, XML with `<`, else `\\\"` and `\\xHH`), so a client cannot break a line. Required.",
				Required:   true,
				Validators: []validator.String{validators.AccessLogFormat()},
			},
		}},
	}
}

// accessLogDataSourceAttribute is the stage data source's read-only view of the block.
func accessLogDataSourceAttribute() dsschema.ListNestedAttribute {
	return dsschema.ListNestedAttribute{
		MarkdownDescription: "The stage's access log settings, if any (at most one element).",
		Computed:            true,
		NestedObject: dsschema.NestedAttributeObject{Attributes: map[string]dsschema.Attribute{
			"destination_arn": dsschema.StringAttribute{MarkdownDescription: "Where the lines go.", Computed: true},
			"format":          dsschema.StringAttribute{MarkdownDescription: "The line's format.", Computed: true},
		}},
	}
}

func accessLogToAPI(l types.List, diags *diag.Diagnostics) *model.AccessLogSettings {
	if l.IsNull() || l.IsUnknown() || len(l.Elements()) == 0 {
		return nil
	}
	obj, ok := l.Elements()[0].(types.Object)
	if !ok {
		diags.AddError("Unexpected Access Log Settings Type", fmt.Sprintf("Expected an object, got: %T. Please report this issue to the provider developers.", l.Elements()[0]))
		return nil
	}
	a := obj.Attributes()
	dest, _ := a["destination_arn"].(types.String)
	format, _ := a["format"].(types.String)
	return &model.AccessLogSettings{DestinationARN: dest.ValueString(), Format: format.ValueString()}
}

func accessLogValue(a *model.AccessLogSettings) types.List {
	objType := types.ObjectType{AttrTypes: accessLogAttrTypes}
	if a == nil {
		return types.ListNull(objType)
	}
	return types.ListValueMust(objType, []attr.Value{types.ObjectValueMust(accessLogAttrTypes, map[string]attr.Value{
		"destination_arn": types.StringValue(a.DestinationARN),
		"format":          types.StringValue(a.Format),
	})})
}
