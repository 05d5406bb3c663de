package notifyoutbox_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/carerpermit/carerpermit/adapters/notifyoutbox"
	"github.com/carerpermit/carerpermit/permit"
)

// A server puts the outbox in front of the provider and gives it to the
// Service as its Notifier; the sender runs beside the server.
func ExampleNew() {
	ctx := context.Background()
	var (
		db       *sql.DB         // the server's database (sqlstore.Store.DB)
		provider permit.Notifier // govuknotify.New(...)
	)
	if db == nil || provider == nil {
		fmt.Println("wire a database and a provider")
		return
	}
	errRefused := errors.New("refused") // govuknotify.ErrPermanent
	box, err := notifyoutbox.New(ctx, db, "sqlite", provider, &notifyoutbox.Options{
		Permanent: func(err error) bool { return errors.Is(err, errRefused) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	go box.Run(ctx, 5*time.Second, nil)
	// permit.NewService(scheme, store, locator, payments, &permit.Options{Notifier: box})
	// Output: wire a database and a provider
}
