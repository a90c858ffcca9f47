package wakeup

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	woken := make(chan struct{}, 1)
	woken <- struct{}{}
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		wake chan struct{}
		d    time.Duration
		want error
	}{
		{"deadline", t.Context(), make(chan struct{}), time.Millisecond, nil},
		{"woken, forever otherwise", t.Context(), woken, -1, nil},
		{"context ended, forever otherwise", ended, make(chan struct{}), -1, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Sleep(tc.ctx, tc.wake, tc.d); !errors.Is(err, tc.want) {
				t.Fatalf("Sleep = %v, want %v", err, tc.want)
			}
		})
	}
}
