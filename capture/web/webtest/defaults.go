package webtest

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed scenarios/*.json
var scenarioFS embed.FS

// DefaultScenarioNames lists the embedded scenarios: basic (Italian UI) and
// english (English UI).
func DefaultScenarioNames() []string {
	entries, _ := scenarioFS.ReadDir("scenarios")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return names
}

// DefaultScenarioBytes returns the file of the named embedded scenario.
func DefaultScenarioBytes(name string) ([]byte, error) {
	data, err := scenarioFS.ReadFile("scenarios/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("default scenario %q: not one of %s", name, strings.Join(DefaultScenarioNames(), ", "))
	}
	return data, nil
}

// DefaultScenario loads the named embedded scenario; each call returns a
// fresh copy the caller may change.
func DefaultScenario(name string) (*Scenario, error) {
	data, err := DefaultScenarioBytes(name)
	if err != nil {
		return nil, err
	}
	sc, err := LoadScenario(data)
	if err != nil {
		return nil, fmt.Errorf("default scenario %q: %w", name, err)
	}
	return sc, nil
}

// MustDefaultScenario is DefaultScenario for tests and examples; it panics
// on an unknown name.
func MustDefaultScenario(name string) *Scenario {
	sc, err := DefaultScenario(name)
	if err != nil {
		panic("webtest: " + err.Error())
	}
	return sc
}
