package sqlstore

import (
	"context"
	"fmt"
	"hash/crc32"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// versionTable keeps the schema version. It is not goose's default name,
// so a council database that uses goose for its own tables keeps its own
// history apart.
const versionTable = "carerpermit_schema_version"

// provider is a goose provider over the embedded migrations of the dialect.
// On PostgreSQL it holds a session advisory lock while migrating, so that
// of several instances starting at once one migrates and the others wait
// and then find nothing to do. Never Close a provider: that closes the
// store's *sql.DB.
func (s *Store) provider(ctx context.Context) (*goose.Provider, error) {
	opts := []goose.ProviderOption{
		goose.WithTableName(versionTable),
		goose.WithDisableGlobalRegistry(true),
		goose.WithLogger(goose.NopLogger()),
	}
	if s.d.name == Postgres {
		// The lock is per schema: stores in different schemas of one
		// database migrate independently.
		schema, err := s.schema(ctx)
		if err != nil {
			return nil, err
		}
		id := int64(crc32.ChecksumIEEE([]byte("carerpermit/sqlstore:" + schema)))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(s.d.goose, s.db, s.d.migrations, opts...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: loading migrations: %w", err)
	}
	return p, nil
}

// knownVersion is the newest schema version this code has migrations for.
func knownVersion(p *goose.Provider) int64 {
	srcs := p.ListSources()
	return srcs[len(srcs)-1].Version
}

// Migrate brings the schema up to the version this code knows. Migrations
// are forward-only; a database already newer than this code gets a
// *SchemaVersionError (ErrSchemaTooNew) and is left untouched.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider(ctx)
	if err != nil {
		return err
	}
	known := knownVersion(p)
	if err := s.refuseNewer(ctx, p, known); err != nil {
		return err
	}
	// Two SQLite processes may both find a migration to run; the second to
	// get the write lock fails on tables that now exist. Trying again
	// finds it applied. PostgreSQL's advisory lock avoids the race.
	for attempt := 1; ; attempt++ {
		_, err = p.Up(ctx)
		if err == nil || attempt == 3 || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return s.describe("migrating the schema", err)
	}
	return s.refuseNewer(ctx, p, known)
}

func (s *Store) refuseNewer(ctx context.Context, p *goose.Provider, known int64) error {
	found, err := p.GetDBVersion(ctx)
	if err != nil {
		return s.describe("reading the schema version", err)
	}
	if found > known {
		return &SchemaVersionError{Found: found, Known: known}
	}
	return nil
}

// checkVersion refuses a schema that is not exactly this code's version.
func (s *Store) checkVersion(ctx context.Context) error {
	p, err := s.provider(ctx)
	if err != nil {
		return err
	}
	found, err := p.GetDBVersion(ctx)
	if err != nil {
		return s.describe("reading the schema version", err)
	}
	if known := knownVersion(p); found != known {
		return &SchemaVersionError{Found: found, Known: known}
	}
	return nil
}
