package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

const rollbackUsage = "gatewayd rollback [flags] REST_API_ID STAGE [DEPLOYMENT_ID]"

// rollback points a stage back at an earlier deployment through the admin API: DEPLOYMENT_ID, or the
// deployment the stage served before its current one.
func rollback(ctx context.Context, args []string, stdout io.Writer) error {
	f := newAdminFlags("rollback", rollbackUsage)
	pos, err := f.parse(args, stdout)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, `
Moves all of the stage's traffic back to DEPLOYMENT_ID, or, without it, to the deployment the stage
served before its current one (a second rollback without a deployment undoes the first). The stage's
auto_deploy is turned off and its canary removed, so that the rollback holds. The change is in the
stage's history (reason rollback) and in the audit log.
`)
		return nil
	}
	if err != nil {
		return err
	}
	if len(pos) < 2 || len(pos) > 3 {
		return fmt.Errorf("want a rest api id, a stage name and optionally a deployment id; usage: %s", rollbackUsage)
	}
	apiID, stage, target := pos[0], pos[1], ""
	if len(pos) == 3 {
		target = pos[2]
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	ctx, cancel := f.context(ctx)
	defer cancel()
	before, err := c.GetStage(ctx, apiID, stage)
	if err != nil {
		return fmt.Errorf("reading stage %s of rest api %s: %w", stage, apiID, err)
	}
	after, err := c.RollbackStage(ctx, apiID, stage, target)
	if err != nil {
		return fmt.Errorf("rolling back stage %s of rest api %s: %w", stage, apiID, err)
	}
	if after.DeploymentID == before.DeploymentID && !before.AutoDeploy && before.CanarySettings == nil {
		fmt.Fprintf(stdout, "stage %s of rest api %s already serves deployment %s; nothing changed\n", stage, apiID, after.DeploymentID)
		return nil
	}
	fmt.Fprintf(stdout, "stage %s of rest api %s now serves deployment %s (it served %s)\n", stage, apiID, after.DeploymentID, before.DeploymentID)
	if before.AutoDeploy {
		fmt.Fprintln(stdout, "auto_deploy is now off: changes of the API are not deployed to this stage until it is turned on again")
	}
	if before.CanarySettings != nil {
		fmt.Fprintf(stdout, "its canary (deployment %s, %v%% of the traffic) was removed\n", before.CanarySettings.DeploymentID, before.CanarySettings.PercentTraffic)
	}
	keep := fmt.Sprintf("deployment_id = %q", after.DeploymentID)
	if before.AutoDeploy {
		keep = "auto_deploy = false and " + keep
	}
	fmt.Fprintf(stdout, "terraform plan will show the stage drifted and offer to move it back; to keep the rollback, set %s in the configuration (or add those attributes to lifecycle ignore_changes)\n", keep)
	return nil
}
