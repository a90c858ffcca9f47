package usb_test

import (
	"context"
	"fmt"
	"log"

	"github.com/attesta/attesta/usb"
)

// Pull WhatsApp's local backups off the first authorized phone.
func Example() {
	ctx := context.Background()
	c := usb.New(usb.Options{}) // the adb server on 127.0.0.1:5037
	devs, err := c.Devices(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range devs {
		if d.State != usb.StateDevice {
			continue
		}
		id, err := c.Identify(ctx, d.Serial)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(id.Manufacturer, id.Model, "Android", id.AndroidVersion, "WhatsApp", id.WhatsAppVersion)
		results, err := c.PullTree(ctx, d.Serial, "/sdcard/Android/media/com.whatsapp/WhatsApp/Databases", "evidence/databases")
		for _, r := range results {
			fmt.Printf("%s %x %d\n", r.Remote, r.SHA256, r.Size)
		}
		if err != nil {
			log.Fatal(err)
		}
		return
	}
}
