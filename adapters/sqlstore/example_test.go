package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite" // the program links SQLite
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// Open an SQLite file (created and migrated on first use), write an
// account and its event in one transaction, read it back and page the
// event feed. A "postgres://" DSN opens PostgreSQL the same way in a
// program that imports adapters/sqlstore/postgres.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "sqlstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(dir, "permits.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	at := time.Date(2027, time.October, 27, 10, 15, 0, 0, time.UTC)
	err = st.Update(ctx, func(tx permit.Tx) error {
		acc := permit.Account{ID: "acc-1", Name: "Alex Resident", UPRN: zones.UPRN(100030000001), CreatedAt: at, UpdatedAt: at}
		if err := tx.CreateAccount(acc); err != nil {
			return err
		}
		return tx.AppendEvent(permit.Event{Type: permit.EventAccountCreated, At: at, Actor: "system", AccountID: acc.ID})
	})
	if err != nil {
		log.Fatal(err)
	}

	err = st.View(ctx, func(tx permit.ReadTx) error {
		acc, err := tx.Account("acc-1")
		if err != nil {
			return err
		}
		fmt.Println(acc.Name, acc.UPRN, acc.Version, acc.CreatedAt)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	events, next, err := st.Events(ctx, "", 10)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range events {
		fmt.Println(e.ID, e.Type, e.AccountID)
	}
	fmt.Println("next page after", next)
	// Output:
	// Alex Resident 100030000001 1 2027-10-27 10:15:00 +0000 UTC
	// 0000000000000000001 account.created acc-1
	// next page after 0000000000000000001
}

// New takes a database the council already has open. For SQLite its DSN
// should carry the settings Open would set.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "sqlstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	dsn := "file:" + filepath.Join(dir, "council.db") +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close() // the council's pool: Store.Close leaves it open

	ctx := context.Background()
	st, err := sqlstore.New(ctx, db, sqlstore.SQLite, nil) // migrates
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('accounts', 'permits', 'claims', 'events')`).Scan(&tables); err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Dialect(), "tables:", tables)
	// Output:
	// sqlite tables: 4
}

// A database written by a newer release is refused, never written to.
func ExampleSchemaVersionError() {
	err := fmt.Errorf("starting: %w", &sqlstore.SchemaVersionError{Found: 7, Known: 1})
	fmt.Println(errors.Is(err, sqlstore.ErrSchemaTooNew))
	var sv *sqlstore.SchemaVersionError
	if errors.As(err, &sv) {
		fmt.Println("database", sv.Found, "program", sv.Known)
	}
	// Output:
	// true
	// database 7 program 1
}
