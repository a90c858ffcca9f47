package main

import (
	"context"
	"io"
	"testing"

	"github.com/attesta/attesta/usb/iphonetest"
	"github.com/attesta/attesta/usb/usbmux"
)

func TestServesAPhoneTheClientLists(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	got := make(chan *iphonetest.Phone, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--name", "Prova"}, io.Discard, func(p *iphonetest.Phone) { got <- p })
	}()
	var p *iphonetest.Phone
	select {
	case p = <-got:
	case err := <-done:
		t.Fatal(err)
	}
	c, err := usbmux.DialAddr(t.Context(), "tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if devs, err := c.ListDevices(t.Context()); err != nil || len(devs) != 1 || devs[0].UDID != p.UDID {
		t.Fatalf("devices %v, %v", devs, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := run(t.Context(), []string{"--day", "ieri"}, io.Discard, nil); err == nil {
		t.Fatal("a bad --day was accepted")
	}
}
