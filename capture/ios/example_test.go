package ios_test

import (
	"fmt"

	"github.com/attesta/attesta/capture/ios"
)

// A backup stores WhatsApp's database under the SHA-1 of its domain and path, in a folder named by the first two
// hex digits.
func ExampleFileID() {
	id := ios.FileID("AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ChatStorage.sqlite")
	fmt.Println(id[:2] + "/" + id)
	// Output: 7c/7c7fba66680ef796b916b067077cc246adacf01d
}
