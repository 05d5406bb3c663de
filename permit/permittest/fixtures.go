package permittest

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// Fixture values. Instants are fixed so that tests never read the clock.
var (
	fixtureCreatedAt = time.Date(2027, time.October, 27, 10, 15, 0, 0, time.UTC)
	fixtureZone      = zones.Zone{ID: "loughborough-1", Name: "Loughborough 1"}
)

// NewAccount returns a valid account with the given ID at the property
// uprn, created at a fixed instant. Tests change the fields they are about.
func NewAccount(id string, uprn zones.UPRN) permit.Account {
	return permit.Account{
		ID:         id,
		Name:       "Alex Resident " + id,
		Email:      id + "@example.org",
		Phone:      "01509 000000",
		UPRN:       uprn,
		Address:    "1 Test Street, Loughborough LE11 1AA",
		Zone:       fixtureZone,
		Credential: "sha256:" + id,
		CreatedAt:  fixtureCreatedAt,
		UpdatedAt:  fixtureCreatedAt,
	}
}

// NewPermit returns a valid approved, paid (£55.00, captured) permit of
// account a at a's property, valid from 1 November 2027 to 31 October 2028,
// the first of its renewal chain, with one V5C as evidence. Tests change the
// fields they are about.
func NewPermit(id string, a permit.Account) permit.Permit {
	price := decimal.RequireFromString("55.00")
	return permit.Permit{
		ID:        id,
		AccountID: a.ID,
		Type:      "essential-carer",
		Status:    permit.Approved,
		Price:     price,
		Payment: &permit.Payment{
			ID:       "pay-" + id,
			Status:   permit.PaymentCaptured,
			Amount:   price,
			Refunded: decimal.RequireFromString("0.00"),
		},
		VRM:       "AB12CDE",
		UPRN:      a.UPRN,
		Address:   a.Address,
		Zone:      a.Zone,
		StartsOn:  date(2027, time.November, 1),
		ExpiresOn: date(2028, time.October, 31),
		ChainID:   id,
		Evidence: []evidence.Document{{
			Kind:     "v5c",
			IssuedOn: date(2027, time.September, 14),
			Name:     a.Name,
			Address:  a.Address,
			Fields: map[string]string{
				evidence.FieldDocumentReference: "12345678901",
				evidence.FieldVRM:               "AB12CDE",
			},
		}},
		EvidenceAcceptedOn: date(2027, time.October, 28),
		CreatedAt:          fixtureCreatedAt,
		UpdatedAt:          fixtureCreatedAt,
	}
}

// NewAddressChange returns a valid address change, pending review, moving
// account a to the property to in the same zone, with one tenancy agreement
// as evidence.
func NewAddressChange(id string, a permit.Account, to zones.UPRN) permit.AddressChange {
	return permit.AddressChange{
		ID:        id,
		AccountID: a.ID,
		FromUPRN:  a.UPRN,
		ToUPRN:    to,
		ToAddress: "2 New Road, Loughborough LE11 2BB",
		Zone:      a.Zone,
		Evidence: []evidence.Document{{
			Kind:     "tenancy_agreement",
			IssuedOn: date(2027, time.October, 1),
			Name:     a.Name,
			Address:  "2 New Road, Loughborough LE11 2BB",
			Fields: map[string]string{
				evidence.FieldTermStart: "2027-10-01",
				evidence.FieldTermEnd:   "2028-09-30",
				evidence.FieldSigned:    "yes",
			},
		}},
		Status:      permit.AddressChangePending,
		SubmittedOn: date(2027, time.October, 27),
		DueOn:       date(2027, time.November, 10),
		CreatedAt:   fixtureCreatedAt,
	}
}

// date is a calendar date as the domain stores it: 00:00 UTC.
func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
