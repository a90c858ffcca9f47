// Command fakephone runs the fake ADB phone standalone, so that the real adb
// can talk to it:
//
//	go run ./usb/adbtest/cmd/fakephone --listen 127.0.0.1:5555 --root DIR
//	adb connect 127.0.0.1:5555
//	adb -s 127.0.0.1:5555 shell getprop ro.product.model
//	adb -s 127.0.0.1:5555 pull /sdcard/x
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/attesta/attesta/usb/adbtest"
	"github.com/attesta/attesta/usb/internal/aproto"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "fakephone:", err)
		os.Exit(2)
	}
}

// run serves until ctx ends; ready, if set, learns the listening address.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(net.Addr)) error {
	var cfg adbtest.Config
	fs := flag.NewFlagSet("fakephone", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:5555", "TCP address to listen on")
	fs.StringVar(&cfg.Root, "root", "", "directory served as the phone's file system (required)")
	fs.StringVar(&cfg.Model, "model", "", "ro.product.model (default Pixel 7)")
	fs.StringVar(&cfg.Manufacturer, "manufacturer", "", "ro.product.manufacturer (default Google)")
	fs.StringVar(&cfg.Serial, "serial", "", "ro.serialno (default ATTESTA0001)")
	fs.StringVar(&cfg.AndroidVersion, "android", "", "ro.build.version.release (default 14)")
	fs.StringVar(&cfg.SDK, "sdk", "", "ro.build.version.sdk (default 34)")
	whatsapp := fs.String("whatsapp", "2.24.25.78", "installed com.whatsapp versionName (empty: not installed)")
	auth := fs.String("auth", "none", "none | any (accept any key) | keys (only --key)")
	keyFile := fs.String("key", "", "adbkey.pub accepted with --auth keys")
	disconnect := fs.Int64("disconnect-after", 0, "drop the connection after N bytes of file data (once)")
	verbose := fs.Bool("v", false, "log protocol events")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Root == "" {
		fs.Usage()
		return fmt.Errorf("--root is required")
	}
	cfg.Packages = map[string]string{}
	if *whatsapp != "" {
		cfg.Packages["com.whatsapp"] = *whatsapp
	}
	switch *auth {
	case "none":
	case "any":
		cfg.Auth = adbtest.AuthAcceptAny
	case "keys":
		cfg.Auth = adbtest.AuthKeyList
		if *keyFile == "" {
			return fmt.Errorf("--auth keys needs --key")
		}
		raw, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		pub, err := aproto.ParsePublicKey(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", *keyFile, err)
		}
		cfg.Keys = append(cfg.Keys, pub)
	default:
		return fmt.Errorf("--auth %q: want none, any or keys", *auth)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	phone, err := adbtest.New(cfg)
	if err != nil {
		return err
	}
	phone.SetDisconnectAfter(*disconnect)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		phone.Close()
		return err
	}
	stop := context.AfterFunc(ctx, func() { phone.Close() })
	defer stop()
	cfg.Logger.Info("fake phone listening", slog.String("addr", ln.Addr().String()), slog.String("root", cfg.Root))
	if ready != nil {
		ready(ln.Addr())
	}
	err = phone.Serve(ln)
	phone.Close()
	return err
}
