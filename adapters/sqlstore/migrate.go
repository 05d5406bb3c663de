package sqlstore

import (
	"context"

	"github.com/pressly/goose/v3"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
)

// versionTable keeps the schema version. It is not goose's default name,
// so a council database that uses goose for its own tables keeps its own
// history apart.
const versionTable = "carerpermit_schema_version"

// provider is a goose provider over the embedded migrations of the
// dialect, under a PostgreSQL advisory lock per schema (see
// sqldb.Dialect.Provider). Never Close a provider: that closes the store's
// *sql.DB.
func (s *Store) provider(ctx context.Context) (*goose.Provider, error) {
	p, err := s.d.Provider(ctx, s.db, migrations)
	if err != nil {
		return nil, s.describe("preparing migrations", err)
	}
	return p, nil
}

// knownVersion is the newest schema version this code has migrations for.
func knownVersion(p *goose.Provider) int64 { return sqldb.Known(p) }

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
	if err := sqldb.Up(ctx, p); err != nil {
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
