package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path"
	"strings"

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
		// Migration numbers are handed out to pieces of work that land
		// in any order (sqlstore's 00013 landed after 00014): a database
		// already at a later version applies an earlier one it lacks
		// instead of refusing to start. Every migration is additive.
		goose.WithAllowOutofOrder(true),
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

// ErrNoSchema: PostgreSQL's search_path names no schema that exists, so
// there is nowhere to put the tables. Returned wrapped in a
// *NoSchemaError; check with errors.Is.
var ErrNoSchema = errors.New("no schema of the search_path exists")

// NoSchemaError says which schemas of the search_path are missing.
type NoSchemaError struct {
	SearchPath string   // the setting as the server has it
	Missing    []string // the schemas it names that do not exist, in its order
}

func (e *NoSchemaError) Error() string {
	msg := fmt.Sprintf("PostgreSQL search_path is %s and no schema it names exists", e.SearchPath)
	switch len(e.Missing) {
	case 0:
		return msg + ": create a schema for the tables and name it in search_path"
	case 1:
		return msg + fmt.Sprintf(": schema %q is missing; create it (CREATE SCHEMA %s) or correct search_path in the DSN", e.Missing[0], quoteIdent(e.Missing[0]))
	}
	return msg + fmt.Sprintf(": schemas %q are missing; create the one the tables belong in (CREATE SCHEMA %s) or correct search_path in the DSN", e.Missing, quoteIdent(e.Missing[0]))
}

// Unwrap gives ErrNoSchema.
func (e *NoSchemaError) Unwrap() error { return ErrNoSchema }

// CurrentSchema is the PostgreSQL schema new tables go in. When the
// search_path names no schema that exists (the server's current_schema()
// is NULL), it returns a *NoSchemaError naming the missing ones.
func CurrentSchema(ctx context.Context, db *sql.DB) (string, error) {
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", err
	}
	if schema.Valid {
		return schema.String, nil
	}
	var searchPath, user string
	if err := db.QueryRowContext(ctx, `SELECT current_setting('search_path'), current_user`).Scan(&searchPath, &user); err != nil {
		return "", err
	}
	e := &NoSchemaError{SearchPath: searchPath}
	for _, name := range searchPathSchemas(searchPath, user) {
		var exists bool
		if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)`, name).Scan(&exists); err != nil {
			return "", err
		}
		if !exists {
			e.Missing = append(e.Missing, name)
		}
	}
	return "", e
}

// searchPathSchemas reads a search_path setting as PostgreSQL does: names
// separated by commas, double-quoted ones kept as written ("" is a quote),
// others folded to lower case, and $user standing for user.
func searchPathSchemas(setting, user string) []string {
	var out []string
	for rest := setting; ; {
		rest = strings.TrimSpace(rest)
		if rest == "" {
			return out
		}
		var name string
		if rest[0] == '"' {
			var b strings.Builder
			i := 1
			for ; i < len(rest); i++ {
				if rest[i] == '"' {
					if i+1 < len(rest) && rest[i+1] == '"' {
						b.WriteByte('"')
						i++
						continue
					}
					break
				}
				b.WriteByte(rest[i])
			}
			name, rest = b.String(), rest[min(i+1, len(rest)):]
			if name == "$user" {
				name = user
			}
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			name, rest = strings.ToLower(strings.TrimSpace(rest[:end])), rest[end:]
			if name == "$user" {
				name = user
			}
		}
		if name != "" {
			out = append(out, name)
		}
		rest = strings.TrimSpace(rest)
		rest = strings.TrimPrefix(rest, ",")
	}
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
