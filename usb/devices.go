package usb

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Device states as the adb server reports them.
const (
	StateDevice       = "device"
	StateOffline      = "offline"
	StateUnauthorized = "unauthorized"
	StateRecovery     = "recovery"
)

// DeviceInfo is one line of host:devices-l.
type DeviceInfo struct {
	Serial      string
	State       string // device, offline, unauthorized, recovery, "no permissions (…)", …
	USB         string // bus path, for USB devices
	Product     string
	Model       string
	Device      string
	TransportID int64
}

// Devices lists the devices the server knows, with their details.
func (c *Client) Devices(ctx context.Context) ([]DeviceInfo, error) {
	s, err := c.query(ctx, "host:devices-l")
	if err != nil {
		return nil, err
	}
	ds, err := ParseDevicesLong(s)
	if err != nil {
		return nil, fmt.Errorf("adb: host:devices-l: %w", err)
	}
	return ds, nil
}

// ParseDevicesLong parses host:devices-l text: per line the serial, the state
// (which may contain spaces), then key:value details.
func ParseDevicesLong(s string) ([]DeviceInfo, error) {
	var out []DeviceInfo
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return nil, fmt.Errorf("line %d %q: %w: want serial and state", i+1, line, ErrProtocol)
		}
		d := DeviceInfo{Serial: f[0]}
		end := len(f)
		for end > 2 && detailKey(f[end-1]) {
			end--
		}
		d.State = strings.Join(f[1:end], " ")
		for _, kv := range f[end:] {
			k, v, _ := strings.Cut(kv, ":")
			switch k {
			case "usb":
				d.USB = v
			case "product":
				d.Product = v
			case "model":
				d.Model = v
			case "device":
				d.Device = v
			case "transport_id":
				id, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("line %d: transport_id %q: %w", i+1, v, ErrProtocol)
				}
				d.TransportID = id
			}
		}
		out = append(out, d)
	}
	return out, nil
}

func detailKey(tok string) bool {
	k, _, ok := strings.Cut(tok, ":")
	return ok && slices.Contains([]string{"usb", "product", "model", "device", "transport_id", "features"}, k)
}

// parseDevices parses the short "serial\tstate" form sent by track-devices.
func parseDevices(s string) (map[string]string, error) {
	m := map[string]string{}
	for i, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		serial, state, ok := strings.Cut(line, "\t")
		if !ok || serial == "" {
			return nil, fmt.Errorf("line %d %q: %w: want serial<TAB>state", i+1, line, ErrProtocol)
		}
		m[serial] = state
	}
	return m, nil
}

// DeviceEvent is a change in the server's device list. OldState is "" for a
// device that appeared; State is "" for one that went away.
type DeviceEvent struct {
	Serial   string
	OldState string
	State    string
}

// Gone reports whether the device left the server's list.
func (e DeviceEvent) Gone() bool { return e.State == "" }

// TrackDevices follows host:track-devices: it yields one event for every device
// present when tracking starts, then one per change (hot-plug, authorization,
// disconnect). The server does not announce every change on that stream (a TCP
// phone whose link drops turns "offline" silently while the server retries),
// so the list is also re-read every Options.TrackPoll. Tracking ends after
// yielding an error: the context's when ctx ends, or the connection's.
func (c *Client) TrackDevices(ctx context.Context) iter.Seq2[DeviceEvent, error] {
	return func(yield func(DeviceEvent, error) bool) {
		known := map[string]string{}
		for now, err := range c.deviceLists(ctx) {
			if err != nil {
				yield(DeviceEvent{}, err)
				return
			}
			for _, ev := range diffDevices(known, now) {
				if !yield(ev, nil) {
					return
				}
			}
			known = now
		}
	}
}

// deviceLists yields the server's device list (serial → state) each time it
// may have changed; it ends after yielding an error.
func (c *Client) deviceLists(ctx context.Context) iter.Seq2[map[string]string, error] {
	return func(yield func(map[string]string, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		cn, err := c.dial(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		defer cn.Close()
		if err := cn.request("host:track-devices"); err != nil {
			yield(nil, ctxErr(ctx, err))
			return
		}
		lists := make(chan string)
		errc := make(chan error, 1)
		go func() {
			for {
				s, err := readHexString(cn)
				if err != nil {
					errc <- err
					return
				}
				select {
				case lists <- s:
				case <-ctx.Done():
					return
				}
			}
		}()
		var tick <-chan time.Time
		if c.poll > 0 {
			t := time.NewTicker(c.poll)
			defer t.Stop()
			tick = t.C
		}
		for {
			var s string
			select {
			case s = <-lists:
			case <-tick:
				if s, err = c.query(ctx, "host:devices"); err != nil {
					yield(nil, fmt.Errorf("adb: track devices: poll: %w", ctxErr(ctx, err)))
					return
				}
			case err := <-errc:
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				yield(nil, fmt.Errorf("adb: track devices: %w", err))
				return
			case <-ctx.Done():
				yield(nil, fmt.Errorf("adb: track devices: %w", ctx.Err()))
				return
			}
			now, err := parseDevices(s)
			if err != nil {
				yield(nil, fmt.Errorf("adb: track devices: %w", err))
				return
			}
			if !yield(now, nil) {
				return
			}
		}
	}
}

func diffDevices(old, now map[string]string) []DeviceEvent {
	var evs []DeviceEvent
	for serial, state := range now {
		if old[serial] != state {
			evs = append(evs, DeviceEvent{Serial: serial, OldState: old[serial], State: state})
		}
	}
	for serial, state := range old {
		if _, ok := now[serial]; !ok {
			evs = append(evs, DeviceEvent{Serial: serial, OldState: state})
		}
	}
	slices.SortFunc(evs, func(a, b DeviceEvent) int { return strings.Compare(a.Serial, b.Serial) })
	return evs
}

// WaitForState waits until the device serial is in state (StateDevice, say),
// or — with state "" — until the server no longer lists it.
func (c *Client) WaitForState(ctx context.Context, serial, state string) error {
	for now, err := range c.deviceLists(ctx) {
		if err != nil {
			return fmt.Errorf("adb: wait for %s to be %q: %w", serial, state, err)
		}
		if now[serial] == state {
			return nil
		}
	}
	return fmt.Errorf("adb: wait for %s to be %q: tracking ended", serial, state)
}

// Connect asks the server to connect to a phone listening on TCP (adb connect).
// It succeeds once the server holds a link to the phone, even if the phone
// still has to authorize this host (see WaitForState).
func (c *Client) Connect(ctx context.Context, hostport string) error {
	msg, err := c.query(ctx, "host:connect:"+hostport)
	if err != nil {
		return fmt.Errorf("adb: connect %s: %w", hostport, err)
	}
	switch {
	case strings.HasPrefix(msg, "connected to"), strings.HasPrefix(msg, "already connected to"),
		strings.HasPrefix(msg, "failed to authenticate to"):
		return nil
	}
	return fmt.Errorf("adb: connect %s: %w", hostport, &ServerError{Msg: msg})
}

// Disconnect drops the server's link to a TCP phone (adb disconnect).
func (c *Client) Disconnect(ctx context.Context, hostport string) error {
	if _, err := c.query(ctx, "host:disconnect:"+hostport); err != nil {
		return fmt.Errorf("adb: disconnect %s: %w", hostport, err)
	}
	return nil
}
