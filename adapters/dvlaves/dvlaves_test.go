package dvlaves_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/dvlaves"
	"github.com/carerpermit/carerpermit/adapters/dvlaves/dvlavestest"
	"github.com/carerpermit/carerpermit/adapters/internal/contract"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones/civil"
)

type harness struct {
	fake  *dvlavestest.Server
	c     *dvlaves.Client
	wire  *contract.Transport
	slept []time.Duration
}

func newHarness(t *testing.T, key string) *harness {
	return newHarnessChecked(t, key, true)
}

// newHarnessChecked is newHarness; checked false leaves the exchanges
// unchecked, for a test that makes the fake answer off the document.
func newHarnessChecked(t *testing.T, key string, checked bool) *harness {
	t.Helper()
	spec, err := dvlavestest.Spec()
	require.NoError(t, err)
	h := &harness{fake: dvlavestest.NewServer(dvlavestest.Config{}), wire: spec.Transport(nil)}
	t.Cleanup(h.fake.Close)
	t.Cleanup(func() {
		for _, err := range h.wire.Errors() {
			if checked {
				t.Errorf("against DVLA's published spec: %v", err)
			}
		}
	})
	h.c, err = dvlaves.New(dvlaves.Config{APIKey: key, BaseURL: h.fake.URL + "/"}, &dvlaves.Options{
		HTTP: &http.Client{Transport: h.wire},
		Now:  func() time.Time { return time.Date(2027, 3, 28, 1, 0, 0, 0, time.UTC) },
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.slept = append(h.slept, d)
			return ctx.Err()
		},
		Jitter: func() float64 { return 0 },
	})
	require.NoError(t, err)
	return h
}

func TestLookUpVehicle(t *testing.T) {
	tests := []struct {
		name     string
		vrm      permit.VRM
		fail     []int
		want     permit.Vehicle
		wantErr  error // a permit sentinel
		status   int
		detail   string
		requests int
	}{
		{name: "found", vrm: "AA19AAA", requests: 1, want: permit.Vehicle{VRM: "AA19AAA", Make: "FORD", Colour: "RED", FuelType: "PETROL",
			TypeApproval: "M1", YearOfManufacture: 2019, TaxStatus: permit.TaxTaxed, TaxDueDate: civil.New(2027, 1, 1),
			MOTStatus: permit.MOTValid, MOTExpiryDate: civil.New(2027, 6, 1)}},
		{name: "SORN", vrm: "AA19SRN", requests: 1, want: permit.Vehicle{VRM: "AA19SRN", Make: "FORD", Colour: "BLACK", FuelType: "PETROL",
			TypeApproval: "M1", YearOfManufacture: 2019, TaxStatus: permit.TaxSORN, TaxDueDate: civil.New(2027, 1, 1),
			MOTStatus: permit.MOTValid, MOTExpiryDate: civil.New(2027, 6, 1)}},
		{name: "marked for export", vrm: "AA19AMP", requests: 1, want: permit.Vehicle{VRM: "AA19AMP", Make: "NISSAN", Colour: "GREY", FuelType: "PETROL",
			TypeApproval: "M1", YearOfManufacture: 2019, TaxStatus: permit.TaxTaxed, TaxDueDate: civil.New(2027, 1, 1),
			MOTStatus: permit.MOTValid, MOTExpiryDate: civil.New(2027, 6, 1), MarkedForExport: true}},
		{name: "spaces and case are not sent", vrm: "l2 wps", requests: 1, want: permit.Vehicle{VRM: "l2 wps", Make: "ROVER", Colour: "GREEN", FuelType: "PETROL",
			TypeApproval: "M1", YearOfManufacture: 1998, TaxStatus: permit.TaxTaxed, TaxDueDate: civil.New(2027, 1, 1),
			MOTStatus: permit.MOTValid, MOTExpiryDate: civil.New(2027, 6, 1)}},
		{name: "not found", vrm: "ER19NFD", wantErr: permit.ErrVehicleNotFound, status: 404, detail: "Record for vehicle not found", requests: 1},
		{name: "unknown to DVLA", vrm: "ZZ99ZZZ", wantErr: permit.ErrVehicleNotFound, status: 404, detail: "Record for vehicle not found", requests: 1},
		{name: "bad request", vrm: "ER19BAD", wantErr: permit.ErrInvalidVRM, status: 400, detail: "Invalid format for field - vehicle registration number", requests: 1},
		{name: "throttled, retried, still throttled", vrm: "ER19THR", wantErr: permit.ErrUnavailable, status: 429, detail: "Too many requests, please try again later", requests: 3},
		{name: "system error, retried", vrm: "ER19ERR", wantErr: permit.ErrUnavailable, status: 500, detail: "System Error occurred", requests: 3},
		{name: "maintenance, retried", vrm: "ER19MNT", wantErr: permit.ErrUnavailable, status: 503, requests: 3},
		{name: "503 then found", vrm: "AA19AAA", fail: []int{503}, requests: 2, want: permit.Vehicle{VRM: "AA19AAA", Make: "FORD", Colour: "RED", FuelType: "PETROL",
			TypeApproval: "M1", YearOfManufacture: 2019, TaxStatus: permit.TaxTaxed, TaxDueDate: civil.New(2027, 1, 1),
			MOTStatus: permit.MOTValid, MOTExpiryDate: civil.New(2027, 6, 1)}},
		{name: "nothing to ask", vrm: " - ", wantErr: permit.ErrInvalidVRM, status: 400, requests: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, dvlavestest.APIKey)
			h.fake.FailNext(tt.fail...)
			got, err := h.c.LookUpVehicle(context.Background(), tt.vrm)
			require.Len(t, h.fake.Asked(), tt.requests)
			for _, reg := range h.fake.Asked() {
				require.Regexp(t, `^[A-Z0-9]+$`, reg)
			}
			if tt.wantErr == nil {
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			for _, other := range []error{permit.ErrVehicleNotFound, permit.ErrInvalidVRM, permit.ErrUnavailable} {
				if other != tt.wantErr {
					require.NotErrorIs(t, err, other)
				}
			}
			var e *dvlaves.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tt.status, e.Status)
			if tt.detail != "" {
				require.Equal(t, tt.detail, e.Detail)
			}
			require.NotContains(t, err.Error(), string(tt.vrm), "no registration in errors")
		})
	}
}

func TestWrongKey(t *testing.T) {
	h := newHarness(t, "not-the-key")
	_, err := h.c.LookUpVehicle(context.Background(), "AA19AAA")
	require.ErrorIs(t, err, permit.ErrUnavailable, "a refused key never blocks a resident")
	var e *dvlaves.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 403, e.Status)
	require.Len(t, h.fake.Asked(), 1, "403 is not retried")

	_, err = dvlaves.New(dvlaves.Config{}, nil)
	require.ErrorContains(t, err, "no API key")
}

func TestTransportFailure(t *testing.T) {
	h := newHarness(t, dvlavestest.APIKey)
	h.fake.Close()
	_, err := h.c.LookUpVehicle(context.Background(), "AA19AAA")
	require.ErrorIs(t, err, permit.ErrUnavailable)
	var e *dvlaves.Error
	require.ErrorAs(t, err, &e)
	require.Zero(t, e.Status)
	require.Len(t, h.slept, 2, "an enquiry cut off is asked again")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = h.c.LookUpVehicle(ctx, "AA19AAA")
	require.True(t, errors.Is(err, context.Canceled), err)
}

func TestAnswerThatIsNotTheVehicle(t *testing.T) {
	h := newHarnessChecked(t, dvlavestest.APIKey, false)
	h.fake.Add(dvlavestest.Vehicle{"registrationNumber": "AB12CDE", "taxDueDate": "31/12/2027"})
	_, err := h.c.LookUpVehicle(context.Background(), "AB12CDE")
	require.ErrorIs(t, err, permit.ErrUnavailable)
	require.ErrorContains(t, err, "taxDueDate")
	require.Len(t, h.wire.Errors(), 1, "the document refuses that date too")
}
