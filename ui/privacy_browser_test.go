package ui

import (
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/paneltest"
	"github.com/chromedp/chromedp"
)

// TestPrivacyScreensInChromium looks at the data-protection screens as their users do, in a real Chromium at the
// panel's size: the new-case form with its bases, the case page with the client's link and the paper mandate, the
// client's notice and waiting pages (on a phone's width), the home screen with the requests due, and the
// administrator's page with an erasure's answer. Each fits and keeps its touch targets at 48 px.
func TestPrivacyScreensInChromium(t *testing.T) {
	paneltest.SkipShort(t)
	f := newFixture(t)
	pub := f.public(t)
	c, err := f.back.CreateCase(t.Context(), NewCase{Client: "Mario Rossi", ClientPhone: "3771151946", Purpose: "Causa di lavoro",
		ServiceMonths: 6, MaxMessages: 20})
	must(t, err)
	now := f.clock.now()
	priv := f.srv.cfg.Privacy.(*memPrivacy)
	priv.requests = []SubjectRequest{
		{ID: "R20251201-a1b2c3", Kind: "erasure", Masked: "+39…111", Received: now.AddDate(0, -2, 0), Due: now.AddDate(0, -1, 0)},
		{ID: "R20260115-d4e5f6", Kind: "access", Masked: "+39…946", Received: now, Due: now.AddDate(0, 1, 0)},
	}
	ctx := newPanelBrowser(t)
	shots := newShots(t)
	tap := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.Tap(chromedp.CSS(sel)) }
	steps := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(1280, 800, chromedp.EmulateTouch),
		chromedp.Navigate(f.ts.URL + "/"), chromedp.WaitVisible(chromedp.CSS(`.keypad`))}
	for _, d := range adminPIN {
		steps = append(steps, tap(`button[data-digit="`+string(d)+`"]`))
	}
	steps = append(steps, tap(`#enter`), chromedp.WaitVisible(chromedp.CSS(`#home`)), chromedp.WaitVisible(chromedp.CSS(`#requests`)))
	browse(t, ctx, "log in", steps...)
	checkTargets(t, ctx, "home with requests")
	shots.take(t, ctx, "privacy-home")

	browse(t, ctx, "new case form", chromedp.Navigate(f.ts.URL+"/cases/new"), chromedp.WaitVisible(chromedp.CSS(`#subjects_basis`)))
	checkTargets(t, ctx, "new case form with bases")
	shots.take(t, ctx, "privacy-newcase")

	browse(t, ctx, "make the client's link", chromedp.Navigate(f.ts.URL+"/cases/"+c.ID), chromedp.WaitVisible(chromedp.CSS(`#privacy`)),
		tap(`#make-remote`), chromedp.WaitVisible(chromedp.CSS(`#remote-link`)))
	checkTargets(t, ctx, "case page with the client's link")
	shots.take(t, ctx, "privacy-case")
	link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#remote-link code').textContent`))
	must(t, err)
	_, path, _ := strings.Cut(link, "/r/")

	browse(t, ctx, "the client opens the link on a phone", chromedp.EmulateViewport(412, 915, chromedp.EmulateTouch),
		chromedp.Navigate(pub.URL+"/r/"+path), chromedp.WaitVisible(chromedp.CSS(`form[action^="/r/"] button`)),
		tap(`form[action^="/r/"] button`), chromedp.WaitVisible(chromedp.CSS(`#notice`)))
	checkTargets(t, ctx, "client's notice")
	shots.take(t, ctx, "privacy-notice")
	browse(t, ctx, "the client accepts", tap(`#accept`), chromedp.WaitVisible(chromedp.CSS(`#wait`)))
	shots.take(t, ctx, "privacy-wait")

	browse(t, ctx, "an erasure request", chromedp.EmulateViewport(1280, 800, chromedp.EmulateTouch),
		chromedp.Navigate(f.ts.URL+"/admin/privacy"), chromedp.WaitVisible(chromedp.CSS(`#request`)),
		chromedp.SetValue(chromedp.CSS(`#phone`), "3331112222"), tap(`label.plan-choice:has(input[value="erasure"])`),
		chromedp.Click(chromedp.CSS(`#confirm`)), tap(`#submit-request`), chromedp.WaitVisible(chromedp.CSS(`#answer`)))
	checkTargets(t, ctx, "privacy page with an answer")
	shots.take(t, ctx, "privacy-admin")
}
