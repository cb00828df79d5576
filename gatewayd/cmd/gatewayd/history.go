package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/control"
)

const (
	historyUsage = "gatewayd history [flags] REST_API_ID STAGE"
	diffUsage    = "gatewayd diff [flags] REST_API_ID FROM_DEPLOYMENT TO_DEPLOYMENT"
)

// history prints a stage's latest deployment changes, each with what it changed.
func history(ctx context.Context, args []string, stdout io.Writer) error {
	f := newAdminFlags("history", historyUsage)
	limit := f.Int("limit", 10, "how many of the latest changes to show (0: all that are kept)")
	pos, err := f.parse(args, stdout)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("want a rest api id and a stage name; usage: %s", historyUsage)
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	ctx, cancel := f.context(ctx)
	defer cancel()
	entries, err := c.StageHistoryDiffs(ctx, pos[0], pos[1], *limit)
	if err != nil {
		return fmt.Errorf("reading the history of stage %s of rest api %s: %w", pos[1], pos[0], err)
	}
	fmt.Fprint(stdout, control.RenderHistory(entries))
	return nil
}

// diff prints what differs between two deployments of an API.
func diff(ctx context.Context, args []string, stdout io.Writer) error {
	f := newAdminFlags("diff", diffUsage)
	pos, err := f.parse(args, stdout)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(pos) != 3 {
		return fmt.Errorf("want a rest api id and two deployment ids; usage: %s", diffUsage)
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	ctx, cancel := f.context(ctx)
	defer cancel()
	d, err := c.DiffDeployments(ctx, pos[0], pos[1], pos[2])
	if err != nil {
		return fmt.Errorf("comparing deployments %s and %s of rest api %s: %w", pos[1], pos[2], pos[0], err)
	}
	fmt.Fprint(stdout, d.Text)
	return nil
}
