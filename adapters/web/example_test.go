package web_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/adapters/web"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// ExampleNew serves the resident pages of the Leicestershire example
// scheme and asks for the start page.
func ExampleNew() {
	f, err := os.Open("../../examples/leicestershire/scheme.yaml")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	s, err := scheme.Load(f)
	if err != nil {
		panic(err)
	}
	gaz, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	if err != nil {
		panic(err)
	}
	svc, err := permit.NewService(s, memstore.New(), gaz, fakepay.New(), &permit.Options{Now: func() time.Time { return start }})
	if err != nil {
		panic(err)
	}
	pages, err := web.New(svc, gaz, nil)
	if err != nil {
		panic(err)
	}
	w := httptest.NewRecorder()
	pages.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	body := w.Body.String()
	title := body[strings.Index(body, "<title>")+len("<title>") : strings.Index(body, "</title>")]
	fmt.Println(w.Code, title)
	// Output: 200 Apply for a carer or disabled resident parking permit – Leicestershire County Council
}
