package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are an adapter's goose migrations, embedded.
type Migrations struct {
	// FS holds Dir/sqlite/*.sql and Dir/postgres/*.sql.
	FS  fs.FS
	Dir string
	// Table keeps the schema version: a table per adapter, so each
	// adapter's tables migrate independently in one database.
	Table string
	// Lock names the PostgreSQL advisory lock taken while migrating
	// ("carerpermit/webhook"); it is per schema.
	Lock string
}

// Provider is a goose provider over the dialect's migrations. On
// PostgreSQL it holds a session advisory lock (per schema) while
// migrating, so that of several instances starting at once one migrates
// and the others wait and then find nothing to do. Never Close a
// provider: that closes db.
func (d *Dialect) Provider(ctx context.Context, db *sql.DB, m Migrations) (*goose.Provider, error) {
	opts := []goose.ProviderOption{
		goose.WithTableName(m.Table),
		goose.WithDisableGlobalRegistry(true),
		goose.WithLogger(goose.NopLogger()),
	}
	if d.name == Postgres {
		schema, err := CurrentSchema(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("finding the current schema: %w", err)
		}
		id := int64(crc32.ChecksumIEEE([]byte(m.Lock + ":" + schema)))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(m.FS, path.Join(m.Dir, string(d.name)))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(d.goose, db, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading migrations: %w", err)
	}
	return p, nil
}

// Up applies the migrations not yet applied. Two SQLite processes may
// both find a migration to run; the second to get the write lock fails on
// tables that now exist, and trying again finds it applied (PostgreSQL's
// advisory lock avoids the race).
func Up(ctx context.Context, p *goose.Provider) error {
	var err error
	for attempt := 1; ; attempt++ {
		_, err = p.Up(ctx)
		if err == nil || attempt == 3 || ctx.Err() != nil {
			return err
		}
	}
}

// Known is the newest schema version a provider has migrations for.
func Known(p *goose.Provider) int64 {
	srcs := p.ListSources()
	return srcs[len(srcs)-1].Version
}

// CurrentSchema is the PostgreSQL schema new tables go in.
func CurrentSchema(ctx context.Context, db *sql.DB) (string, error) {
	var schema string
	err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema)
	return schema, err
}
