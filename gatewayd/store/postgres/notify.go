package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notify listens on Channel, on a connection of its own, until ctx ends. The returned channel
// receives, coalesced, after each commit of an Update that wrote, by any process using the database,
// and after each (re)connection, since notifications sent while no connection listened are lost.
// The connection is opened again, with a growing delay, whenever it breaks. The channel is never
// closed.
func (s *Store) Notify(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{}, 1)
	wake := func() {
		select {
		case ch <- struct{}{}:
		default: // one is pending already
		}
	}
	go func() {
		delay := 100 * time.Millisecond
		for ctx.Err() == nil {
			if err := s.listen(ctx, wake); err == nil {
				delay = 100 * time.Millisecond
			}
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
			delay = min(2*delay, 5*time.Second)
		}
	}()
	return ch
}

// listen holds one LISTEN connection until it fails or ctx ends. Its error is nil when it had been
// listening (the delay before the next attempt starts over).
func (s *Store) listen(ctx context.Context, wake func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.connConfig)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return nil
		}
		wake()
	}
}
