package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/gatewayd/terraform-provider-gatewayd/gatewayd/client"
)

// TestMain lets a test re-run this binary as a bare gatewayd (GATEWAYD_TEST_CHILD=1), so that it can
// be killed with SIGKILL like a real process.
func TestMain(m *testing.M) {
	if os.Getenv("GATEWAYD_TEST_CHILD") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		d, err := Start(ctx, Config{DataDir: os.Getenv("GATEWAYD_DATA_DIR"), Store: os.Getenv("GATEWAYD_STORE"), AdminAddr: os.Getenv("GATEWAYD_ADMIN_ADDR"),
			Listen: os.Getenv("GATEWAYD_LISTEN"), AdminToken: "tok", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		<-ctx.Done()
		_ = d.Shutdown(context.Background())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// child starts this test binary as a gatewayd on fixed addresses and waits until it answers. env
// adds to its environment (GATEWAYD_STORE).
func child(t *testing.T, dir, adminAddr, listen string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GATEWAYD_TEST_CHILD=1", "GATEWAYD_DATA_DIR="+dir, "GATEWAYD_ADMIN_ADDR="+adminAddr, "GATEWAYD_LISTEN="+listen)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for range 600 {
		if resp, err := http.Get("http://" + adminAddr + "/healthz"); err == nil {
			resp.Body.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("child gatewayd did not start")
	return nil
}

// TestQuotaUsageSurvivesKill9: counts older than the flush interval (1 s) survive SIGKILL; at most
// the last interval's counts are lost. This is the documented bound.
func TestQuotaUsageSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	dir, adminAddr, listen := t.TempDir(), freeAddr(t), freeAddr(t)
	cmd := child(t, dir, adminAddr, listen)
	c, err := client.New("http://"+adminAddr, "tok", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	url, planID, keyID, value := meteredAPI(t, c, 1000)
	if got := callN(t, url, value, 10); got[200] != 10 {
		t.Fatalf("calls: %v", got)
	}
	time.Sleep(2500 * time.Millisecond) // more than the flush interval
	if got := callN(t, url, value, 5); got[200] != 5 {
		t.Fatalf("calls: %v", got)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	child(t, dir, adminAddr, listen)
	used := usedToday(t, c, planID, keyID)
	if used < 10 || used > 15 {
		t.Fatalf("usage after kill -9 = %d, want between 10 (flushed before the last interval) and 15", used)
	}
	t.Logf("usage after kill -9: %d of 15 (the 5 made in the last flush interval may be lost)", used)
	if got := callN(t, url, value, 1); got[200] != 1 {
		t.Errorf("serving after restart: %v", got)
	}
}
