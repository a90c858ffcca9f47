package webtest

import (
	"fmt"
	"strings"
)

// OneToOnePhones returns the phone numbers (digits, no "+") of the scenario's one-to-one chats, in order.
func (sc *Scenario) OneToOnePhones() []string {
	var phones []string
	for _, c := range sc.Chats {
		if phone := oneToOnePhone(c); phone != "" {
			phones = append(phones, phone)
		}
	}
	return phones
}

// oneToOnePhone is the number of a one-to-one chat; "" for a group.
func oneToOnePhone(c Chat) string {
	if user, ok := strings.CutSuffix(c.ID, "@c.us"); ok && c.Phone == "" {
		return user
	}
	return c.Phone
}

// AcquisitionList is the acquisition list a studio would import to certify the scenario's one-to-one chats
// between from and to (dates as the list takes them, e.g. "2026-01-12"): CSV with a header, one chat per line.
func (sc *Scenario) AcquisitionList(from, to string) string {
	var b strings.Builder
	b.WriteString("numero;nominativo;dal;al\n")
	for _, c := range sc.Chats {
		if phone := oneToOnePhone(c); phone != "" {
			fmt.Fprintf(&b, "+%s;%s;%s;%s\n", phone, strings.ReplaceAll(c.Title, ";", " "), from, to)
		}
	}
	return b.String()
}
