package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie; it is scoped to /console, so the admin API never sees it.
const cookieName = "gatewayd_console"

// session is one signed-in browser. Sessions live in memory only: a restart signs everyone out.
type session struct {
	// csrf is the token every state-changing request of this session must carry.
	csrf string
	// label names the session in the audit log; it is random and is not the cookie's secret.
	label            string
	created, lastUse time.Time
}

// sessions holds the signed-in sessions, keyed by the SHA-256 of their cookie value so that the map
// never holds a usable secret. It is not on any hot path: one lock is enough.
type sessions struct {
	mu     sync.Mutex
	byHash map[[32]byte]*session
	ttl    time.Duration
	idle   time.Duration
	max    int
	now    func() time.Time
}

// create starts a session and returns its cookie value. When max sessions are live, the one used
// least recently is dropped first.
func (s *sessions) create() (id string, sess *session, err error) {
	raw := make([]byte, 32)
	csrf := make([]byte, 32)
	label := make([]byte, 6)
	for _, b := range [][]byte{raw, csrf, label} {
		if _, err := rand.Read(b); err != nil {
			return "", nil, err
		}
	}
	id = base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	sess = &session{csrf: base64.RawURLEncoding.EncodeToString(csrf), label: hex.EncodeToString(label), created: now, lastUse: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneLocked(now)
	if len(s.byHash) >= s.max {
		var oldest [32]byte
		var at time.Time
		for k, v := range s.byHash {
			if at.IsZero() || v.lastUse.Before(at) {
				oldest, at = k, v.lastUse
			}
		}
		delete(s.byHash, oldest)
	}
	s.byHash[sha256.Sum256([]byte(id))] = sess
	return id, sess, nil
}

// get returns the session of r's cookie, or nil when there is none or it expired (absolute lifetime
// ttl, or idle longer than idle). A hit extends the idle deadline.
func (s *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	k := sha256.Sum256([]byte(c.Value))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.byHash[k]
	if sess == nil {
		return nil
	}
	if s.expired(sess, now) {
		delete(s.byHash, k)
		return nil
	}
	sess.lastUse = now
	return sess
}

// remove ends the session of r's cookie.
func (s *sessions) remove(r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		s.mu.Lock()
		delete(s.byHash, sha256.Sum256([]byte(c.Value)))
		s.mu.Unlock()
	}
}

func (s *sessions) expired(sess *session, now time.Time) bool {
	return now.Sub(sess.created) >= s.ttl || now.Sub(sess.lastUse) >= s.idle
}

func (s *sessions) pruneLocked(now time.Time) {
	for k, v := range s.byHash {
		if s.expired(v, now) {
			delete(s.byHash, k)
		}
	}
}

// validCSRF compares the token a request carries with its session's in constant time.
func validCSRF(sess *session, got string) bool {
	if got == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) == 1
}
