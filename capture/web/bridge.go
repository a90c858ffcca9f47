package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// BridgeVersion is the version of the embedded JS bridge (bridge.js). It changes whenever the bridge reads a module
// differently, and it is recorded in every acquisition.
const BridgeVersion = 1

//go:embed bridge.js
var bridgeSource string

// bridgeReply is the envelope of every bridge call: a value, or an error naming a missing module when that was the
// cause.
type bridgeReply struct {
	OK     json.RawMessage `json:"ok"`
	Err    string          `json:"err"`
	Module string          `json:"module"`
	Build  string          `json:"build"`
}

// ModuleError is a bridge call that failed because the running WhatsApp Web build lacks a module. It wraps
// [ErrUnsupportedBuild].
type ModuleError struct {
	Module string // e.g. "WAWebApiMessageInfoStore"
	Build  string // window.Debug.VERSION, "" when the page does not say
}

func (e *ModuleError) Error() string {
	build := e.Build
	if build == "" {
		build = "(unknown build)"
	}
	return fmt.Sprintf("module %s missing: WhatsApp Web %s is not supported by bridge v%d", e.Module, build, BridgeVersion)
}

// Unwrap makes errors.Is(err, ErrUnsupportedBuild) true.
func (e *ModuleError) Unwrap() error { return ErrUnsupportedBuild }

// bridgeExpr is the JS that installs the bridge once per page (a reload drops it) and calls method with args.
func bridgeExpr(method string, args ...any) (string, error) {
	if args == nil {
		args = []any{}
	}
	enc, err := json.Marshal(args)
	if err != nil {
		return "", fmt.Errorf("encode arguments of %s: %w", method, err)
	}
	name := fmt.Sprintf("__attestaBridgeV%d", BridgeVersion)
	var b strings.Builder
	fmt.Fprintf(&b, "(async () => { if (typeof window.%s !== 'function') window.%s = %s;\n", name, name, bridgeSource)
	fmt.Fprintf(&b, "return window.%s(%q, ...%s); })()", name, method, enc)
	return b.String(), nil
}

// call runs one bridge method in the tab of ctx and decodes its value into out (which may be nil).
func call(ctx context.Context, out any, method string, args ...any) error {
	expr, err := bridgeExpr(method, args...)
	if err != nil {
		return err
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return fmt.Errorf("bridge %s: %w", method, err)
	}
	return decodeReply(method, raw, out)
}

// decodeReply reads the bridge's envelope. It is the parser of what the page sends back, and is fuzzed.
func decodeReply(method string, raw []byte, out any) error {
	var r bridgeReply
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("bridge %s: malformed reply (%d bytes): %w", method, len(raw), err)
	}
	if r.Module != "" {
		return &ModuleError{Module: r.Module, Build: r.Build}
	}
	if r.Err != "" {
		return fmt.Errorf("bridge %s: %w", method, errors.New(r.Err))
	}
	if out == nil || len(r.OK) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.OK, out); err != nil {
		return fmt.Errorf("bridge %s: malformed value: %w", method, err)
	}
	return nil
}

// pageState is what the bridge reports about the page, linked or not.
type pageState struct {
	Socket string `json:"socket"` // WAWebSocketModel Socket.state
	Ref    string `json:"ref"`    // Conn.ref, the QR payload prefix
	Wid    string `json:"wid"`    // own id once linked
	Phone  string `json:"phone"`  // own id as a phone wid (<digits>@c.us) when the contact API maps a LID
	Build  string `json:"build"`  // Debug.VERSION
	UA     string `json:"ua"`
	Now    int64  `json:"now"` // browser Date.now(), ms
	Pane   bool   `json:"pane"`
}

func (p pageState) linked() bool { return p.Socket == "CONNECTED" && p.Pane }

type chatSummary struct {
	ID           string `json:"id"`
	Title        string `json:"title"`
	Unread       int    `json:"unread"`
	EndOfHistory int    `json:"endOfHistory"` // endOfHistoryTransferType; -1 when the model has none
	Loaded       int    `json:"loaded"`
	Oldest       int64  `json:"oldest"` // unix seconds of the oldest loaded message, 0 when none
	Via          string `json:"via"`
	Added        int    `json:"added"`
}

// jsMessage is one message as bridge v1 reads it from the module layer.
type jsMessage struct {
	ID      string   `json:"id"`
	Key     string   `json:"key"`
	FromMe  bool     `json:"fromMe"`
	T       int64    `json:"t"`
	Type    string   `json:"type"`
	Ack     int      `json:"ack"`
	Quoted  string   `json:"quoted"`
	Edited  bool     `json:"edited"`
	EditKey string   `json:"editKey"`
	Author  string   `json:"author"`
	Body    *string  `json:"body"`
	Caption *string  `json:"caption"`
	Media   *jsMedia `json:"media"`
}

type jsMedia struct {
	MIME     string `json:"mime"`
	Size     int64  `json:"size"`
	Filename string `json:"filename"`
	Filehash string `json:"filehash"`
	Stage    string `json:"stage"`
}

type jsReceipt struct {
	ID string `json:"id"`
	T  int64  `json:"t"`
}

type jsInfo struct {
	Found    bool        `json:"found"`
	Error    string      `json:"error"`
	Delivery []jsReceipt `json:"delivery"`
	Read     []jsReceipt `json:"read"`
	Played   []jsReceipt `json:"played"`
}

type jsDownload struct {
	OK     bool   `json:"ok"`
	Data   []byte `json:"data"` // base64 in JSON
	Error  string `json:"error"`
	Status int    `json:"status"`
	Stage  string `json:"stage"`
}

type jsReveal struct {
	Found bool   `json:"found"`
	Icon  string `json:"icon"`
	Label string `json:"label"`
	Pre   string `json:"pre"`
	Box   jsBox  `json:"box"` // the conversation pane, in page coordinates
	// Bubble is the message's element relative to the pane: where it is on the screenshot, which the report
	// frames on a copy.
	Bubble jsBox `json:"bubble"`
}

type jsBox struct {
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}
