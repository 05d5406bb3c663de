package dvlaves_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/carerpermit/carerpermit/adapters/dvlaves"
	"github.com/carerpermit/carerpermit/adapters/dvlaves/dvlavestest"
	"github.com/carerpermit/carerpermit/permit"
)

func Example() {
	fake := dvlavestest.NewServer(dvlavestest.Config{}) // DVLA's test registrations
	defer fake.Close()
	c, err := dvlaves.New(dvlaves.Config{APIKey: dvlavestest.APIKey, BaseURL: fake.URL}, nil)
	if err != nil {
		panic(err)
	}
	var register permit.VehicleRegister = c

	v, err := register.LookUpVehicle(context.Background(), "AA19 SRN")
	fmt.Println(v.Make, v.Colour, v.TaxStatus, v.MOTStatus, err)

	_, err = register.LookUpVehicle(context.Background(), "ER19NFD")
	fmt.Println(errors.Is(err, permit.ErrVehicleNotFound))
	// Output:
	// FORD BLACK SORN Valid <nil>
	// true
}
