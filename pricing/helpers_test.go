package pricing_test

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/pricing"
)

// date is a Europe/London civil date as this package takes it: 00:00 UTC.
func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// mustMoney is for literals in examples and tests.
func mustMoney(s string) decimal.Decimal {
	m, err := pricing.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}
