package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
)

// pipeline is sqldb.Pipeline on a pgx connection of a database/sql pool:
// the queued statements and the next one go out as one pgx.Batch, which
// pgx sends in pipeline mode (every statement, then one Sync) and reads
// back in one round trip.
type pipeline struct {
	conn  *pgx.Conn
	batch pgx.Batch
	done  []func(int64, error)
	trips int
}

// newPipeline drives the pgx connection beneath a database/sql one.
func newPipeline(driverConn any) (sqldb.Pipeline, bool) {
	c, ok := driverConn.(*stdlib.Conn)
	if !ok {
		return nil, false
	}
	return &pipeline{conn: c.Conn()}, true
}

func (p *pipeline) Queue(q string, args []any, done func(int64, error)) {
	p.batch.Queue(q, args...)
	p.done = append(p.done, done)
}

func (p *pipeline) Discard() {
	p.batch, p.done = pgx.Batch{}, nil
}

func (p *pipeline) RoundTrips() int { return p.trips }

// send sends the queue, followed by one more statement when last is set,
// and reads the answers of the queued ones; it returns the batch's results
// positioned at the last statement's.
func (p *pipeline) send(ctx context.Context, last bool) (pgx.BatchResults, error) {
	done := p.done
	if last {
		done = done[:len(done)-1]
	}
	b := p.batch
	p.Discard()
	p.trips++
	br := p.conn.SendBatch(ctx, &b)
	var first error
	for _, d := range done {
		tag, err := br.Exec()
		if err != nil && first == nil {
			first = err
		}
		if err == nil && first != nil {
			err = errors.New("not run: an earlier statement of the pipeline failed")
		}
		if d != nil {
			d(tag.RowsAffected(), err)
		}
	}
	if first != nil {
		_ = br.Close()
		return nil, first
	}
	return br, nil
}

func (p *pipeline) Query(ctx context.Context, q string, args []any) (sqldb.Rows, error) {
	if len(p.done) == 0 {
		p.trips++
		return p.conn.Query(ctx, q, args...)
	}
	p.Queue(q, args, nil)
	br, err := p.send(ctx, true)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return batchRows{rows, br}, nil
}

// batchRows are the last statement's rows of a batch; closing them
// closes the batch.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r batchRows) Close() {
	r.Rows.Close()
	_ = r.br.Close()
}

func (p *pipeline) Exec(ctx context.Context, q string, args []any) (int64, error) {
	if len(p.done) == 0 {
		p.trips++
		tag, err := p.conn.Exec(ctx, q, args...)
		return tag.RowsAffected(), err
	}
	var n int64
	var execErr error
	p.Queue(q, args, func(rows int64, err error) { n, execErr = rows, err })
	if err := p.Flush(ctx); err != nil {
		return 0, err
	}
	return n, execErr
}

func (p *pipeline) Flush(ctx context.Context) error {
	if len(p.done) == 0 {
		return nil
	}
	br, err := p.send(ctx, false)
	if err != nil {
		return err
	}
	return br.Close()
}
