// Command sqliteonly is the smallest council program on SQLite: it opens
// (and migrates) the store in the file it is given and prints the
// scheme ID. It links SQLite and no PostgreSQL driver.
package main

import (
	"context"
	"fmt"
	"os"

	"council.example/permits/council"
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sqliteonly FILE")
		os.Exit(2)
	}
	c, err := council.Open(context.Background(), os.Args[1], nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqliteonly:", err)
		os.Exit(1)
	}
	defer c.Store.Close()
	fmt.Println("ready:", c.Service.Scheme().ID)
}
