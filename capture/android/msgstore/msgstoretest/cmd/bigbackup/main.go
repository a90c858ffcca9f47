// Command bigbackup makes the large WhatsApp backup of the performance benchmarks and times the decrypter on it.
//
//	bigbackup gen [-messages 1000000] [-chats 200] [-words 60] [-listed 50] -out DIR
//	bigbackup decrypt -key HEX SRC DST
//
// gen writes, in DIR: msgstore.db (a modern msgstore.db of that many messages dealt over that many one-to-one chats,
// the schema capture/android/msgstore reads, deterministic), msgstore.db.crypt15 (it, encrypted under a key made at
// run time), key.hex (that key's 64 digits: benchmark data, no secret) and list.csv (an acquisition list of the
// first -listed chats over the whole period). The same flags give the same msgstore.db every time; the backup
// differs only by its key and IV.
//
// decrypt is the small program around capture/android.DecryptFile whose wall time, CPU time and peak memory
// `make bench` measures with /usr/bin/time -v.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/capture/android"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/internal/durable"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bigbackup:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: bigbackup gen or decrypt, then their flags")
	}
	switch args[0] {
	case "gen":
		return gen(ctx, args[1:])
	case "decrypt":
		return decrypt(ctx, args[1:])
	}
	return fmt.Errorf("unknown command %q: want gen or decrypt", args[0])
}

func gen(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	var b msgstoretest.Bulk
	fs.IntVar(&b.Messages, "messages", 1_000_000, "number of messages")
	fs.IntVar(&b.Chats, "chats", 200, "number of one-to-one chats")
	fs.IntVar(&b.Words, "words", 60, "mean words per text")
	listed := fs.Int("listed", 50, "chats in list.csv")
	out := fs.String("out", "", "directory to write (created; its files must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *listed < 1 || *listed > b.Chats {
		return fmt.Errorf("gen: need -out and 1 <= -listed <= -chats")
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return err
	}
	db := filepath.Join(*out, "msgstore.db")
	start := time.Now()
	if err := msgstoretest.WriteBulkChats(ctx, db, b); err != nil {
		return fmt.Errorf("gen %s: %w", db, err)
	}
	fmt.Printf("%s: %d messages over %d chats in %s\n", db, b.Messages, b.Chats, time.Since(start).Round(time.Millisecond))
	key, err := android.GenerateKey()
	if err != nil {
		return err
	}
	enc := filepath.Join(*out, "msgstore.db.crypt15")
	start = time.Now()
	if err := encrypt(ctx, db, enc, key); err != nil {
		return err
	}
	fmt.Printf("%s: encrypted in %s\n", enc, time.Since(start).Round(time.Millisecond))
	if err := durable.WriteNew(filepath.Join(*out, "key.hex"), []byte(key.RootHex()+"\n"), 0o600); err != nil {
		return err
	}
	return durable.WriteNew(filepath.Join(*out, "list.csv"), list(b, *listed), 0o600)
}

// list is an acquisition list of the first n chats, each over the days the database spans.
func list(b msgstoretest.Bulk, n int) []byte {
	from := msgstoretest.BulkStart
	to := from.Add(time.Duration(b.Messages) * time.Minute)
	s := "numero;nominativo;dal;al\n"
	for c := range n {
		jid := msgstoretest.BulkChatJID(c)
		s += fmt.Sprintf("+%s;Contatto %d;%s;%s\n", jid[:len(jid)-len("@s.whatsapp.net")], c+1,
			from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	return []byte(s)
}

func encrypt(ctx context.Context, src, dst string, key android.Key) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := android.EncryptCrypt15(ctx, out, in, key, android.Crypt15Options{}); err != nil {
		out.Close()
		return fmt.Errorf("encrypt %s: %w", dst, err)
	}
	return out.Close()
}

func decrypt(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("decrypt", flag.ContinueOnError)
	keyHex := fs.String("key", "", "the 64-digit crypt15 key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return fmt.Errorf("usage: bigbackup decrypt -key HEX SRC DST")
	}
	key, err := android.ParseHexKey(*keyHex)
	if err != nil {
		return err
	}
	start := time.Now()
	info, err := android.DecryptFile(ctx, fs.Arg(0), key, fs.Arg(1))
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes -> %d bytes in %s\n", fs.Arg(0), info.InputSize, info.PlaintextSize,
		time.Since(start).Round(time.Millisecond))
	return nil
}
