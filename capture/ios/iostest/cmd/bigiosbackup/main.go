// Command bigiosbackup makes the large encrypted iPhone backup of the performance benchmarks (scripts/bench-ios)
// and decrypts it as a technician's tool would.
//
//	bigiosbackup gen [-messages 1000000] [-chats 100] [-media-mb 2048] [-listed 4] [-apple-counts] -out DIR
//	bigiosbackup decrypt -password-file FILE -out DIR BACKUP
//	bigiosbackup keys -password-file FILE BACKUP
//
// gen writes, in DIR: backup/ (an encrypted backup holding WhatsApp's ChatStorage.sqlite with Sample's client chat
// and that many more messages over that many chats, and the media files of -media-mb MB that its media items name,
// under Message/Media/; iostest.WriteBigBackup), password (made at run time: benchmark data, no secret) and list.csv
// (the client's chat and the first -listed strangers' chats). -apple-counts derives the keybag with Apple's
// 10,000,000 and 10,000 rounds instead of the tests' small counts.
//
// decrypt writes every file of the backup to DIR/<domain>/<relativePath>, as iphone_backup_decrypt's extract_files
// with preserve_folders and domain_subfolders does, and prints the bytes and files written. keys prints, for each
// file, the hex key, the stored file's path, the plaintext size and decrypt's name for it, for decrypting the same
// files with `openssl enc -d -aes-256-cbc -K KEY -iv 0`.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/attesta/attesta/capture/ios"
	"github.com/attesta/attesta/capture/ios/iostest"
)

var day = time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bigiosbackup:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: bigiosbackup gen, decrypt or keys, then their flags")
	}
	switch args[0] {
	case "gen":
		return gen(ctx, args[1:])
	case "decrypt", "keys":
		return walk(ctx, args[0], args[1:])
	}
	return fmt.Errorf("unknown command %q: want gen, decrypt or keys", args[0])
}

func gen(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	big := iostest.Big{Day: day}
	fs.IntVar(&big.Messages, "messages", 1_000_000, "messages besides the client's chat")
	fs.IntVar(&big.Chats, "chats", 100, "one-to-one chats of strangers")
	mediaMB := fs.Int64("media-mb", 2048, "total size of the media files, MB")
	listed := fs.Int("listed", 4, "strangers' chats in list.csv, besides the client's")
	apple := fs.Bool("apple-counts", false, "derive the keybag with Apple's iteration counts (10,000,000 and 10,000)")
	out := fs.String("out", "", "directory to write (created; must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *listed < 0 || *listed > big.Chats {
		return fmt.Errorf("gen: need -out and 0 <= -listed <= -chats")
	}
	if err := os.Mkdir(*out, 0o700); err != nil {
		return err
	}
	pw := make([]byte, 12)
	rand.Read(pw)
	big.Password = hex.EncodeToString(pw)
	big.MediaBytes = *mediaMB << 20
	if *apple {
		big.DPIC, big.Iter = 10_000_000, 10_000
	}
	if err := os.WriteFile(filepath.Join(*out, "password"), []byte(big.Password), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "list.csv"), []byte(iostest.BulkList(day, *listed)), 0o600); err != nil {
		return err
	}
	start := time.Now()
	res, err := iostest.WriteBigBackup(ctx, filepath.Join(*out, "backup"), big)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d files, %d media files of %d bytes, ChatStorage.sqlite of %d bytes, %d+ messages over %d chats, in %s\n",
		filepath.Join(*out, "backup"), res.Files, res.MediaFiles, res.MediaBytes, res.DBBytes, big.Messages, big.Chats,
		time.Since(start).Round(time.Millisecond))
	return nil
}

func walk(ctx context.Context, cmd string, args []string) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	pwFile := fs.String("password-file", "", "file holding the backup password")
	out := fs.String("out", "", "directory to write the files into (decrypt; created)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *pwFile == "" || (cmd == "decrypt") != (*out != "") {
		return fmt.Errorf("%s: need -password-file%s and the backup folder", cmd, map[bool]string{true: ", -out"}[cmd == "decrypt"])
	}
	pw, err := os.ReadFile(*pwFile)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bigiosbackup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	start := time.Now()
	bk, err := ios.Open(ctx, fs.Arg(0), []byte(strings.TrimSpace(string(pw))), tmp)
	if err != nil {
		return err
	}
	defer bk.Close()
	opened := time.Since(start)
	if cmd == "keys" {
		w := bufio.NewWriter(os.Stdout)
		err := bk.Files(ctx, func(f ios.File) error {
			key, err := bk.FileKey(f)
			fmt.Fprintf(w, "%x %s %d %s\n", key, bk.Path(f), f.Info.Size, filepath.Join(f.Domain, f.RelativePath))
			return err
		})
		return errors.Join(err, w.Flush())
	}
	if err := os.Mkdir(*out, 0o700); err != nil {
		return err
	}
	var files, bytes int64
	err = bk.Files(ctx, func(f ios.File) error {
		rel := filepath.Join(f.Domain, f.RelativePath)
		if !filepath.IsLocal(rel) {
			return fmt.Errorf("%s %s: not a path inside the output folder", f.Domain, f.RelativePath)
		}
		dst := filepath.Join(*out, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		if err := bk.ExtractTo(ctx, f, dst); err != nil {
			return err
		}
		files++
		bytes += f.Info.Size
		return nil
	})
	if err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Printf("%d files, %d bytes in %.3f s (keybag and Manifest.db %.3f s): %.1f MB/s\n", files, bytes, d.Seconds(),
		opened.Seconds(), float64(bytes)/(1<<20)/(d-opened).Seconds())
	return nil
}
