package client

import "context"

// FlushStageCache empties a stage's response cache (DELETE .../stages/{stage}/cache), as API
// Gateway's FlushStageCache does.
func (c *Client) FlushStageCache(ctx context.Context, apiID, stage string) error {
	return c.del(ctx, apiPath(apiID)+"/stages/"+esc(stage)+"/cache", nil)
}
