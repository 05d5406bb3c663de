package permit_test

import (
	"fmt"

	"github.com/carerpermit/carerpermit/permit"
)

// NewService names every required part that is missing; its Options are
// fixed when the service is built.
func ExampleNewService() {
	_, err := permit.NewService(nil, nil, nil, nil, &permit.Options{})
	fmt.Println(err)
	// Output:
	// permit: NewService: missing scheme, store, locator, payments
}
