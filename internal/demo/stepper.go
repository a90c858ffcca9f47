package demo

import (
	"fmt"
	"io"
	"strings"
)

// stepper prints numbered steps for the demo.
type stepper struct {
	w io.Writer
	n int
}

func newStepper(w io.Writer) *stepper { return &stepper{w: w} }

func (s *stepper) begin(title string) {
	s.n++
	fmt.Fprintf(s.w, "\n%d. %s\n", s.n, title)
}

func (s *stepper) ok(format string, args ...any) {
	fmt.Fprintf(s.w, "   ok: %s\n", fmt.Sprintf(format, args...))
}

func (s *stepper) detail(format string, args ...any) {
	fmt.Fprintf(s.w, "   %s\n", fmt.Sprintf(format, args...))
}

func (s *stepper) block(text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(s.w, "   | %s\n", line)
	}
}

func (s *stepper) fail(err error) error {
	fmt.Fprintf(s.w, "   FAILED: %v\n", err)
	return fmt.Errorf("step %d: %w", s.n, err)
}
