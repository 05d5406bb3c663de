package govukpaytest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/carerpermit/carerpermit/adapters/govukpay/govukpaytest"
)

// A payment with delayed capture, paid on the fake's hosted page: the
// payer's browser goes back to return_url, and the payment waits to be
// captured.
func ExampleNewServer() {
	pay, err := govukpaytest.NewServer(govukpaytest.Options{})
	if err != nil {
		panic(err)
	}
	defer pay.Close()

	body := `{"amount": 5500, "reference": "per_000001", "description": "Essential Carer Permit",
		"return_url": "https://permits.example.gov.uk/return/1", "delayed_capture": true}`
	req, _ := http.NewRequest("POST", pay.URL+"/v1/payments", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+govukpaytest.DefaultAPIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var created struct {
		PaymentID string `json:"payment_id"`
		Links     struct {
			NextURL struct{ Href string } `json:"next_url"`
		} `json:"_links"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	fmt.Println("answered", resp.StatusCode)

	back, err := pay.Complete(created.Links.NextURL.Href, govukpaytest.Pay)
	if err != nil {
		panic(err)
	}
	fmt.Println("back to", back)
	p, _ := pay.Payment(created.PaymentID)
	fmt.Println(p.Status, p.Amount)
	fmt.Println(pay.TakeAnswerViolations(), pay.TakeRequestViolations())
	// Output:
	// answered 201
	// back to https://permits.example.gov.uk/return/1
	// capturable 5500
	// <nil> <nil>
}
