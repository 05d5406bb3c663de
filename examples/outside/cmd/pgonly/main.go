// Command pgonly is the smallest council program on PostgreSQL: it opens
// (and migrates) the store in the postgres:// URL it is given and prints the
// scheme ID. It links PostgreSQL (pgx) and no SQLite.
package main

import (
	"context"
	"fmt"
	"os"

	"council.example/permits/council"
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/postgres"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pgonly postgres://URL")
		os.Exit(2)
	}
	c, err := council.Open(context.Background(), os.Args[1], nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgonly:", err)
		os.Exit(1)
	}
	defer c.Store.Close()
	fmt.Println("ready:", c.Service.Scheme().ID)
}
