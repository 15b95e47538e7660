package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// synList is GET /v1/kb/synonyms.
type synList struct {
	Groups  [][]string `json:"groups"`
	Version int        `json:"version"`
}

// TestConsoleSynonyms: customers call a product by a nickname its article
// never uses; an editor adds the group on /console/kb and the very next
// customer question with the nickname gets the article's answer. A save
// from a list someone else has saved over is refused with a clear
// conflict, changes nothing, and the newer list can be loaded.
func TestConsoleSynonyms(t *testing.T) {
	s := startServer(t)
	const (
		question = "小紫杯有货吗" // customers' name for the 紫晶保温杯
		answer   = "紫晶保温杯下周三补货，可在商品页点「到货提醒」。"
		group    = "紫晶保温杯 = 小紫杯"
	)
	article := conArticle{Title: "紫晶保温杯到货", Questions: []string{"紫晶保温杯有货吗", "紫晶保温杯什么时候补货"},
		Answer: answer, Intent: "product_availability", Tags: []string{}, Locale: "zh-CN", Status: "published"}
	if code := apiJSON(t, s, http.MethodPost, "/v1/kb/articles", s.EditorToken, article, &article); code != http.StatusCreated {
		t.Fatalf("POST article: %d", code)
	}
	if _, art := conAsk(t, s, question); art == article.ID {
		t.Fatalf("the customer got the article before any synonym: this test would show nothing")
	}

	ed := newBrowser(t)
	conEditorSignIn(t, ed, s)
	conWait(t, ed, "the built-in synonym list", `document.querySelector('[data-testid=synonyms-version]').dataset.version === '0'
		&& document.querySelector('[data-testid=synonyms-text]').value.includes('快递 = 物流')`)
	conDo(t, ed, "editor adds a group and saves",
		chromedp.ScrollIntoView(conTID("synonyms")),
		chromedp.Evaluate[chromedp.Void](`(() => { const e = document.querySelector('[data-testid=synonyms-text]');
			e.focus(); e.setSelectionRange(e.value.length, e.value.length); })()`),
		chromedp.SendKeys(conTID("synonyms-text"), "\n"+group),
		chromedp.Click(conTID("synonyms-save")),
		chromedp.WaitVisible(conTID("synonyms-status", `[data-state="saved"]`)),
	)
	if v := conEval[string](t, ed, `document.querySelector('[data-testid=synonyms-version]').dataset.version`); v != "1" {
		t.Errorf("the page shows version %q after the save, want 1", v)
	}
	conDo(t, ed, "scroll to the saved list's end", chromedp.ScrollIntoView(conTID("synonyms-status")))
	screenshot(t, ed, "console-kb-synonyms.png")

	// At once: no reindex, no restart.
	if got, art := conAsk(t, s, question); art != article.ID || got != answer {
		t.Errorf("customer asking %q got %q (article %q), want %q (article %q)", question, got, art, answer, article.ID)
	}
	var list synList
	if code := apiJSON(t, s, http.MethodGet, "/v1/kb/synonyms", s.EditorToken, nil, &list); code != http.StatusOK {
		t.Fatalf("GET synonyms: %d", code)
	}
	if list.Version != 1 || !slices.ContainsFunc(list.Groups, func(g []string) bool { return slices.Equal(g, []string{"紫晶保温杯", "小紫杯"}) }) {
		t.Errorf("stored list: version %d, want 1 with the group [紫晶保温杯 小紫杯]", list.Version)
	}

	// Another editor saves first; this editor's next save is from version 1.
	theirs := synList{Groups: append(list.Groups, []string{"保温杯", "焖烧杯"}), Version: list.Version}
	if code := apiJSON(t, s, http.MethodPut, "/v1/kb/synonyms", s.EditorToken, theirs, &theirs); code != http.StatusOK {
		t.Fatalf("the other editor's PUT: %d", code)
	}
	conDo(t, ed, "editor saves a stale list",
		chromedp.Evaluate[chromedp.Void](`(() => { const e = document.querySelector('[data-testid=synonyms-text]');
			e.focus(); e.setSelectionRange(e.value.length, e.value.length); })()`),
		chromedp.SendKeys(conTID("synonyms-text"), "\n退款 = 退钱款"),
		chromedp.Click(conTID("synonyms-save")),
		chromedp.WaitVisible(conTID("synonyms-status", `[data-state="conflict"]`)),
		chromedp.WaitVisible(conTID("synonyms-load")),
	)
	msg := conEval[string](t, ed, `document.querySelector('[data-testid=synonyms-status]').textContent`)
	if !strings.Contains(msg, fmt.Sprint(theirs.Version)) || !(strings.Contains(msg, "saved") || strings.Contains(msg, "保存")) {
		t.Errorf("conflict message = %q, want it to say someone else saved the list (version %d)", msg, theirs.Version)
	}
	if !strings.Contains(conEval[string](t, ed, `document.querySelector('[data-testid=synonyms-text]').value`), "退款 = 退钱款") {
		t.Error("the conflict threw away the editor's text")
	}
	var after synList
	apiJSON(t, s, http.MethodGet, "/v1/kb/synonyms", s.EditorToken, nil, &after)
	if after.Version != theirs.Version || len(after.Groups) != len(theirs.Groups) {
		t.Errorf("the stale save changed the list: version %d with %d groups, want version %d with %d", after.Version, len(after.Groups), theirs.Version, len(theirs.Groups))
	}
	conDo(t, ed, "editor loads the newer list", chromedp.Click(conTID("synonyms-load")))
	conWait(t, ed, "the newer list on the page", `document.querySelector('[data-testid=synonyms-version]').dataset.version === `+conJS(fmt.Sprint(theirs.Version))+
		` && document.querySelector('[data-testid=synonyms-text]').value.includes('保温杯 = 焖烧杯')
		&& !document.querySelector('[data-testid=synonyms-text]').value.includes('退钱款')`)
}
