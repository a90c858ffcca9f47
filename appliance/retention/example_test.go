package retention_test

import (
	"fmt"
	"time"

	"github.com/attesta/attesta/appliance/retention"
)

func ExampleRetainUntil() {
	rome, _ := time.LoadLocation("Europe/Rome")
	c := retention.Case{
		ID:          "2025-0012",
		Acquired:    time.Date(2025, 1, 31, 10, 15, 0, 0, rome),
		Service:     1,  // one month of service bought
		LegalMonths: 24, // the studio keeps evidence two years more
	}
	fmt.Println(retention.RetainUntil(c).Format(time.RFC3339))
	c.LegalMonths = 0
	fmt.Println(retention.RetainUntil(c).Format(time.RFC3339))
	// Output:
	// 2027-02-28T23:59:59+01:00
	// 2025-02-28T23:59:59+01:00
}
