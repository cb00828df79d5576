// Package pgtest starts throwaway PostgreSQL servers for tests: initdb into a temporary directory,
// postgres on a free loopback port with its unix socket in that directory, stopped when the test ends.
//
// The binaries are looked up in $GATEWAYD_PG_BIN, on PATH, then under /usr/lib/postgresql/*/bin (the
// Debian layout; `.ci/run` installs the postgresql package when they are missing). A test that needs
// PostgreSQL fails when they cannot be found, unless GATEWAYD_SKIP_POSTGRES=1, which skips it.
//
// initdb and postgres refuse to run as root. When the tests run as root, the server runs as the
// "postgres" user (created by the Debian package), or "nobody" when there is none, and its directory
// is handed to that user.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// SkipEnv names the environment variable that, set to 1, skips the tests that need PostgreSQL when
// its binaries are missing, instead of failing them.
const SkipEnv = "GATEWAYD_SKIP_POSTGRES"

// Server is a running throwaway PostgreSQL server.
type Server struct {
	// Dir holds the cluster's data (Dir/data), its socket and its log.
	Dir  string
	Port int
	bin  string
	cred *syscall.Credential

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer

	dbs atomic.Int64
}

// Start initialises and starts a server for t, stopped (and its directory removed) when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := startOrSkip(t)
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stopping PostgreSQL: %v", err)
		}
		os.RemoveAll(s.Dir)
	})
	return s
}

var shared struct {
	mu  sync.Mutex
	srv *Server
}

// Shared returns a server for all the tests of the package that ask for it, started at the first
// call: initdb and start take seconds. Tests keep apart through NewDatabase. The package's TestMain
// must call StopShared after m.Run.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv == nil {
		shared.srv = startOrSkip(t)
	}
	return shared.srv
}

// StopShared stops the server Shared started, if any, and removes its directory.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv != nil {
		_ = shared.srv.Stop()
		os.RemoveAll(shared.srv.Dir)
		shared.srv = nil
	}
}

func startOrSkip(t testing.TB) *Server {
	t.Helper()
	bin, err := BinDir()
	if err != nil {
		if os.Getenv(SkipEnv) == "1" {
			t.Skipf("PostgreSQL binaries not found (%v); skipped because %s=1", err, SkipEnv)
		}
		t.Fatalf("PostgreSQL binaries not found: %v (install the postgresql package, set GATEWAYD_PG_BIN, or set %s=1 to skip)", err, SkipEnv)
	}
	s, err := start(bin)
	if err != nil {
		t.Fatalf("starting PostgreSQL: %v", err)
	}
	return s
}

// BinDir finds the directory of initdb and postgres.
func BinDir() (string, error) {
	if d := os.Getenv("GATEWAYD_PG_BIN"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("GATEWAYD_PG_BIN: %w", err)
		}
		return d, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("postgres"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// The highest version first: "9.6" sorts above "15" as a string, so compare numbers.
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no initdb on PATH or under /usr/lib/postgresql/*/bin")
}

func version(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// credential returns who the server runs as: nil (this process's user) unless that is root.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, errors.New("running as root, and there is neither a postgres nor a nobody user to run PostgreSQL as")
}

func start(bin string) (*Server, error) {
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	// Not t.TempDir: its parents are private to root, and the server may run as another user. A short
	// path also keeps the socket's name under the 107 bytes a unix socket address holds.
	dir, err := os.MkdirTemp("", "gwpg")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, bin: bin, cred: cred}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"),
		"-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		if s.Port, err = freePort(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err = s.Restart(); err == nil {
			return s, nil
		}
		if attempt == 2 { // another process may have taken the port between freePort and the bind
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Restart starts the server again after Stop, on the same port and data.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("pgtest: server already running")
	}
	// fsync off: the data is thrown away with the test; a crash of the machine loses nothing of value.
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), "-D", filepath.Join(s.Dir, "data"),
		"-p", strconv.Itoa(s.Port), "-k", s.Dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=32MB")
	// Pdeathsig: the server goes when the test binary dies without running its cleanups.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGKILL}
	s.log = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-done:
			s.cmd = nil
			return fmt.Errorf("postgres exited at start: %s", s.log.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			s.cmd = nil
			return fmt.Errorf("postgres did not accept connections within 30s: %v\n%s", err, s.log.String())
		}
	}
}

// Stop shuts the server down (fast shutdown: open connections are closed).
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
	return nil
}

// URL returns the URL of database db over TCP on the loopback address.
func (s *Server) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// NewDatabase creates an empty database and returns its URL.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test%d", s.dbs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatalf("connecting to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating database %s: %v", name, err)
	}
	return s.URL(name)
}
