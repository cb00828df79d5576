package validators

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/model"
)

type compressionSize struct{}

// CompressionSize checks a minimum_compression_size: a whole number of bytes from -1 (off) to
// model.MaxMinimumCompressionSize, written as a string as in the AWS provider.
func CompressionSize() validator.String { return compressionSize{} }

func (compressionSize) Description(context.Context) string {
	return fmt.Sprintf("must be a whole number of bytes between -1 (off) and %d", model.MaxMinimumCompressionSize)
}

func (v compressionSize) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v compressionSize) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if n, err := strconv.Atoi(s); err != nil || n < -1 || n > model.MaxMinimumCompressionSize {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Minimum Compression Size",
			fmt.Sprintf("Attribute %s %s, got %q.", req.Path, v.Description(ctx), s))
	}
}
