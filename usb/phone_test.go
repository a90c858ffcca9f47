package usb

import (
	"flag"
	"testing"
)

var realPhone = flag.String("phone", "", "serial of a real phone on the local adb server: run the read-only checks against it")

// TestRealPhone runs the read-only client paths against a real phone, when
// one is named with -phone. It never writes to the phone.
func TestRealPhone(t *testing.T) {
	if *realPhone == "" {
		t.Skip("hardware test: run with -phone SERIAL (and an adb server on 127.0.0.1:5037)")
	}
	c := New(Options{})
	ctx := ctxFor(t)
	d, err := c.Identify(ctx, *realPhone)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", d)
	if d.Model == "" || d.SDK == "" {
		t.Errorf("Identify = %+v: model and SDK should be set", d)
	}
	if _, err := c.List(ctx, *realPhone, "/sdcard/"); err != nil {
		t.Error(err)
	}
}
