package httpclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

	"github.com/carerpermit/carerpermit/adapters/internal/httpclient"
)

func Example() {
	// A provider that is busy once, then answers.
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"code":"P0900","description":"Too many requests"}`)
			return
		}
		if r.Header.Get("x-api-key") == "" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"errors":[{"status":"403","code":"403","title":"Forbidden","detail":"No API key"}]}`)
			return
		}
		fmt.Fprint(w, `{"registrationNumber":"AA19AAA","make":"FORD"}`)
	}))
	defer srv.Close()

	c := httpclient.New(&httpclient.Options{UserAgent: "council-permits/1.0"})
	ctx := context.Background()

	req, err := httpclient.NewJSONRequest(ctx, http.MethodPost, srv.URL+"/vehicle-enquiry/v1/vehicles",
		map[string]string{"registrationNumber": "AA19AAA"})
	if err != nil {
		panic(err)
	}
	req.Header.Set("x-api-key", "key")
	var vehicle struct{ Make string }
	resp, err := c.DoJSON(req, &vehicle)
	if err != nil {
		panic(err)
	}
	fmt.Println(vehicle.Make, "after", resp.Attempts, "attempts")

	req, _ = httpclient.NewJSONRequest(ctx, http.MethodPost, srv.URL+"/vehicle-enquiry/v1/vehicles",
		map[string]string{"registrationNumber": "AA19AAA"})
	_, err = c.DoJSON(req, &vehicle)
	var perr *httpclient.Error
	if errors.As(err, &perr) {
		fmt.Println(perr.Status, perr.Code, perr.Description, perr.Temporary())
	}
	// Output:
	// FORD after 2 attempts
	// 403 403 No API key false
}
