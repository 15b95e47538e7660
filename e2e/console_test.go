package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// conStep is the hang guard of one browser step: generous, so a busy
// machine never fails a test by the clock; the steps wait on the page's
// state, not on time.
const conStep = 60 * time.Second

// conXSS is a customer message that would run script if any page put
// it in as markup.
const conXSS = `<img src=x onerror=alert(1)>`

// conTID is the CSS selector of a data-testid (plus an optional suffix).
func conTID(id string, more ...string) chromedp.CSS {
	return chromedp.CSS(`[data-testid="` + id + `"]` + strings.Join(more, ""))
}

// conJS quotes s as a JavaScript string literal.
func conJS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// conDo runs browser actions under the hang guard.
func conDo(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, conStep)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v\npage: %s", what, err, conPageText(ctx))
	}
}

// conWait waits until the JavaScript expression is truthy.
func conWait(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, conStep)
	defer cancel()
	_, err := chromedp.Run(sctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(0)))
	if err != nil {
		t.Fatalf("waiting for %s: %v\npage: %s", what, err, conPageText(ctx))
	}
}

// conEval evaluates a JavaScript expression.
func conEval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, conStep)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// conPageText is the start of the page's visible text, for failure messages.
func conPageText(ctx context.Context) string {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 3000) : ''`))
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	return s
}

// conType replaces an input's value by typing, as a person would.
func conType(sel chromedp.CSS, text string) chromedp.Action[chromedp.Void] {
	clear := `(() => { const e = document.querySelector(` + conJS(string(sel)) + `);
		e.focus(); e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true})); })()`
	return chromedp.Steps(chromedp.WaitVisible(sel), chromedp.Evaluate[chromedp.Void](clear), chromedp.SendKeys(sel, text))
}

// conWatch fails the test, when it ends, if the page threw an uncaught
// exception or broke its Content-Security-Policy (an inline style or
// script would).
func conWatch(t *testing.T, ctx context.Context) {
	t.Helper()
	var mu sync.Mutex
	var problems []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("page problem: %s", p)
		}
	})
}

// conAgentSignIn signs an agent in at /console.
func conAgentSignIn(t *testing.T, ctx context.Context, s *server, agent string) {
	t.Helper()
	conWatch(t, ctx)
	conDo(t, ctx, "agent signs in",
		chromedp.Navigate(s.URL+"/console"),
		conType(conTID("token-input"), s.AgentToken),
		conType(conTID("agent-id-input"), agent),
		chromedp.Click(conTID("sign-in")),
		chromedp.WaitVisible(conTID("queue-empty")+`, `+conTID("queue-item")),
	)
}

// conEditorSignIn signs an editor in at /console/kb.
func conEditorSignIn(t *testing.T, ctx context.Context, s *server) {
	t.Helper()
	conWatch(t, ctx)
	conDo(t, ctx, "editor signs in",
		chromedp.Navigate(s.URL+"/console/kb"),
		conType(conTID("token-input"), s.EditorToken),
		chromedp.Click(conTID("sign-in")),
		chromedp.WaitVisible(conTID("search-result")),
	)
}

// ---- the widget (inside its open shadow root) ----

// conWidgetRoot is the widget's (open) shadow root.
const conWidgetRoot = `document.querySelector('kefu-chat')?.shadowRoot`

// conWidgetOpen opens the demo shop and the chat panel through its bubble.
func conWidgetOpen(t *testing.T, ctx context.Context, s *server) {
	t.Helper()
	conDo(t, ctx, "customer opens the shop", chromedp.Navigate(s.URL+"/"))
	conWait(t, ctx, "the widget's bubble", `(() => {
		const r = `+conWidgetRoot+`; const f = r?.querySelector('.kefu');
		return !!(f && !f.hidden && r.querySelector('[data-kefu=launcher]')); })()`)
	conEval[chromedp.Void](t, ctx, conWidgetRoot+`.querySelector('[data-kefu=launcher]').click()`)
	conWait(t, ctx, "the widget's panel", `!`+conWidgetRoot+`.querySelector('[data-kefu=panel]').hidden`)
}

// conWidgetSay sends a customer message through the widget's form.
func conWidgetSay(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	conEval[chromedp.Void](t, ctx, `(() => {
		const r = `+conWidgetRoot+`; const i = r.querySelector('[data-kefu=input]');
		i.focus(); i.value = `+conJS(text)+`; i.dispatchEvent(new Event('input', {bubbles: true}));
		r.querySelector('[data-kefu=composer]').requestSubmit(); })()`)
	conWait(t, ctx, "the widget to show "+text, `[...`+conWidgetRoot+`.querySelectorAll('[data-kefu=log] li[data-role=customer]')]
		.some((li) => li.textContent.includes(`+conJS(text)+`) && li.dataset.id && !li.classList.contains('pending'))`)
}

// conWidgetConversation is the conversation id the widget keeps.
func conWidgetConversation(t *testing.T, ctx context.Context) string {
	t.Helper()
	expr := `(() => { for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i);
		if (k.endsWith(':conversation')) { const v = JSON.parse(localStorage.getItem(k)); if (v) return v; } } return ''; })()`
	conWait(t, ctx, "the widget's conversation", expr)
	return conEval[string](t, ctx, expr)
}

// conTranscriptHas is a predicate: a console transcript message of role holding text.
func conTranscriptHas(role, text string) string {
	return `[...document.querySelectorAll('[data-testid=transcript-message][data-role=` + role + `]')]
		.some((li) => li.querySelector('.text').textContent === ` + conJS(text) + `)`
}

type conConversation struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	AgentID  string `json:"agent_id"`
	Messages []struct {
		Role string `json:"role"`
		Text string `json:"text"`
	} `json:"messages"`
}

// TestConsoleHandoff is the whole trip across two browsers: a customer
// asks the widget for a person, an agent claims the conversation in the
// console, reads the transcript (a hostile message shown as text), replies,
// the reply reaches the widget live, the customer's next words reach the
// console live, and the agent hands the conversation back to the bot.
func TestConsoleHandoff(t *testing.T) {
	s := startServer(t)
	customer := newBrowser(t)
	agent := newBrowser(t)

	conWidgetOpen(t, customer, s)
	conWidgetSay(t, customer, "我的订单DD20241123011到哪了")
	conWidgetSay(t, customer, "转人工")
	conv := conWidgetConversation(t, customer)
	conWidgetSay(t, customer, conXSS)

	conAgentSignIn(t, agent, s, "alice")
	// Should the payload ever run, it calls this instead of blocking the page.
	conEval[chromedp.Void](t, agent, `window.alert = () => { window.__kefuXSS = 1; }`)
	item := conTID("queue-item", `[data-conversation-id="`+conv+`"]`)
	conDo(t, agent, "agent claims the conversation",
		chromedp.WaitVisible(item),
		chromedp.Click(item+` [data-testid="claim"]`),
		chromedp.WaitVisible(conTID("transcript")),
	)
	conWait(t, agent, "the customer's words in the transcript", conTranscriptHas("customer", "转人工"))
	conWait(t, agent, "the hostile message, as text", conTranscriptHas("customer", conXSS))
	if n := conEval[int](t, agent, `document.querySelectorAll('[data-testid=transcript] img, [data-testid=queue] img').length`); n != 0 {
		t.Errorf("the console made %d <img> elements from customer text", n)
	}
	if conEval[bool](t, agent, `window.__kefuXSS === 1`) {
		t.Error("customer text ran as script in the console")
	}
	conWait(t, agent, "the bot's facts", `document.querySelector('[data-testid=facts] [data-fact=reason]') !== null &&
		document.querySelector('[data-testid=facts] [data-fact=intents]') !== null`)
	if got := conEval[string](t, agent, `document.querySelector('[data-testid=facts] [data-fact=slots] dd')?.textContent ?? ''`); !strings.Contains(got, "DD20241123011") {
		t.Errorf("facts: slots = %q, want the order number", got)
	}

	reply := "您好，我是客服 Alice，马上为您查询。"
	conDo(t, agent, "agent replies",
		conType(conTID("reply-input"), reply),
		chromedp.Click(conTID("reply-send")),
	)
	conWait(t, agent, "the reply in the console", conTranscriptHas("agent", reply))
	conWait(t, customer, "the agent's reply in the widget (no reload)", `[...`+conWidgetRoot+`.querySelectorAll('[data-kefu=log] li[data-role=agent]')]
		.some((li) => li.textContent.includes(`+conJS(reply)+`))`)

	conWidgetSay(t, customer, "好的，谢谢")
	conWait(t, agent, "the customer's new message, live", conTranscriptHas("customer", "好的，谢谢"))
	if n := conEval[int](t, customer, conWidgetRoot+`.querySelectorAll('img').length`); n != 0 {
		t.Errorf("the widget made %d <img> elements", n)
	}
	screenshot(t, agent, "console.png")

	conDo(t, agent, "agent hands back to the bot",
		chromedp.Click(conTID("release-bot")),
		chromedp.WaitVisible(conTID("conv-notice")),
	)
	conWait(t, agent, "the queue to empty", `document.querySelectorAll('[data-testid=queue-item]').length === 0 &&
		!document.querySelector('[data-testid=queue-empty]').hidden`)

	var c conConversation
	if code := apiJSON(t, s, http.MethodGet, "/v1/conversations/"+conv, "", nil, &c); code != http.StatusOK {
		t.Fatalf("GET conversation: %d", code)
	}
	if c.State != "bot" {
		t.Errorf("state after release = %q, want bot", c.State)
	}
	var sawReply bool
	for _, m := range c.Messages {
		sawReply = sawReply || m.Role == "agent" && m.Text == reply
	}
	if !sawReply {
		t.Errorf("the transcript lacks the agent's reply: %+v", c.Messages)
	}
}

// conStartWaiting opens a conversation through the API and asks for a person.
func conStartWaiting(t *testing.T, s *server, texts ...string) string {
	t.Helper()
	var conv struct{ ID string }
	if code := apiJSON(t, s, http.MethodPost, "/v1/conversations", "", map[string]string{"locale": "zh-CN"}, &conv); code != http.StatusCreated {
		t.Fatalf("POST /v1/conversations: %d", code)
	}
	for _, text := range append(texts, "转人工") {
		var turn struct{ State string }
		if code := apiJSON(t, s, http.MethodPost, "/v1/conversations/"+conv.ID+"/messages", "", map[string]string{"text": text}, &turn); code != http.StatusOK {
			t.Fatalf("POST message %q: %d", text, code)
		}
	}
	return conv.ID
}

// TestConsoleClaimConflict: the queue shows a conversation as waiting, but
// another agent claims it first: the console says so plainly.
func TestConsoleClaimConflict(t *testing.T) {
	s := startServer(t)
	conv := conStartWaiting(t, s, "我的退款怎么还没到")
	bob := newBrowser(t)
	conAgentSignIn(t, bob, s, "bob")
	item := conTID("queue-item", `[data-conversation-id="`+conv+`"]`)
	conDo(t, bob, "bob sees the conversation", chromedp.WaitVisible(item+` [data-testid="claim"]`))

	// Hold bob's queue refreshes, so his screen still offers the claim
	// when alice takes it: the race, made deterministic.
	conEval[chromedp.Void](t, bob, `(() => { const f = window.fetch; window.__kefuHeld = 0;
		window.fetch = (u, o) => {
			if (!String(u).includes('/v1/handoff/queue')) return f(u, o);
			window.__kefuHeld++;
			return new Promise(() => {}); }; })()`)
	// The console polls one request at a time: once one is held, the
	// last answer is on screen for good.
	conWait(t, bob, "bob's queue refresh to be held", `window.__kefuHeld > 0`)
	conDo(t, bob, "bob still sees the claim button", chromedp.WaitVisible(item+` [data-testid="claim"]`))
	if code := apiJSON(t, s, http.MethodPost, "/v1/handoff/"+conv+"/claim", s.AgentToken, map[string]string{"agent_id": "alice"}, nil); code != http.StatusOK {
		t.Fatalf("alice's claim: %d", code)
	}
	conDo(t, bob, "bob claims too late",
		chromedp.Click(item+` [data-testid="claim"]`),
		chromedp.WaitVisible(conTID("claim-error", `[data-state="conflict"]`)),
	)
	msg := conEval[string](t, bob, `document.querySelector('[data-testid=claim-error]').textContent`)
	if !strings.Contains(strings.ToLower(msg), "another agent") && !strings.Contains(msg, "其他客服") {
		t.Errorf("conflict message = %q, want it to say another agent has it", msg)
	}
	if conEval[bool](t, bob, `!document.querySelector('[data-testid=transcript]').hidden`) {
		t.Error("bob's console opened a conversation he does not hold")
	}
}

type conArticle struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Questions []string `json:"questions"`
	Answer    string   `json:"answer"`
	Intent    string   `json:"intent,omitempty"`
	Tags      []string `json:"tags"`
	Locale    string   `json:"locale"`
	Status    string   `json:"status"`
	Version   int      `json:"version"`
}

// conAsk is one customer question through the API; it returns the reply.
func conAsk(t *testing.T, s *server, text string) (replyText, articleID string) {
	t.Helper()
	var conv struct{ ID string }
	if code := apiJSON(t, s, http.MethodPost, "/v1/conversations", "", map[string]string{"locale": "zh-CN"}, &conv); code != http.StatusCreated {
		t.Fatalf("POST /v1/conversations: %d", code)
	}
	var turn struct {
		Reply *struct {
			Text      string `json:"text"`
			ArticleID string `json:"article_id"`
		} `json:"reply"`
	}
	if code := apiJSON(t, s, http.MethodPost, "/v1/conversations/"+conv.ID+"/messages", "", map[string]string{"text": text}, &turn); code != http.StatusOK {
		t.Fatalf("POST message: %d", code)
	}
	if turn.Reply == nil {
		t.Fatalf("no reply to %q", text)
	}
	return turn.Reply.Text, turn.Reply.ArticleID
}

// TestConsoleKnowledgeBase: an editor publishes an article in the browser
// and customers get it at once; an edit from a stale version is refused
// with a clear conflict message; the newer version can be loaded.
func TestConsoleKnowledgeBase(t *testing.T) {
	s := startServer(t)
	ed := newBrowser(t)
	conEditorSignIn(t, ed, s)

	const (
		question = "积分兑换紫晶保温杯怎么操作"
		answer   = "紫晶保温杯：在「我的-积分商城」用 888 积分兑换，兑换后 3 天内发货。"
	)
	conDo(t, ed, "editor writes a new article",
		chromedp.Click(conTID("article-new")),
		chromedp.WaitVisible(conTID("article-form")),
		conType(conTID("field-title"), "紫晶保温杯积分兑换"),
		conType(conTID("field-questions"), question+"\n紫晶保温杯能用积分换吗"),
		conType(conTID("field-answer"), answer),
		conType(conTID("field-intent"), "membership_points"),
		chromedp.SetValue(conTID("field-locale"), "zh-CN"),
		chromedp.SetValue(conTID("field-status"), "published"),
		chromedp.Click(conTID("article-save")),
		chromedp.WaitVisible(conTID("save-status", `[data-state="saved"]`)),
	)
	id := conEval[string](t, ed, `document.querySelector('[data-testid=article-id]').textContent`)
	if id == "" {
		t.Fatal("the saved article shows no id")
	}
	conDo(t, ed, "scroll to the form's top", chromedp.ScrollIntoView(conTID("form-heading")))
	screenshot(t, ed, "console-kb.png")

	// A customer asking the article's question gets its answer at once.
	if got, art := conAsk(t, s, question); art != id || got != answer {
		t.Errorf("customer got %q (article %q), want %q (article %q)", got, art, answer, id)
	}

	// Another editor saves first; this editor's save is from a stale version.
	var a conArticle
	if code := apiJSON(t, s, http.MethodGet, "/v1/kb/articles/"+url.PathEscape(id), s.EditorToken, nil, &a); code != http.StatusOK {
		t.Fatalf("GET article: %d", code)
	}
	a.Answer = answer + "（活动延长至月底）"
	if code := apiJSON(t, s, http.MethodPut, "/v1/kb/articles/"+url.PathEscape(id), s.EditorToken, a, &a); code != http.StatusOK {
		t.Fatalf("the other editor's PUT: %d", code)
	}
	conDo(t, ed, "editor saves a stale edit",
		conType(conTID("field-title"), "紫晶保温杯积分兑换（新）"),
		chromedp.Click(conTID("article-save")),
		chromedp.WaitVisible(conTID("save-status", `[data-state="conflict"]`)),
		chromedp.WaitVisible(conTID("conflict-load")),
	)
	msg := conEval[string](t, ed, `document.querySelector('[data-testid=save-status]').textContent`)
	if !strings.Contains(msg, fmt.Sprint(a.Version)) || !(strings.Contains(msg, "changed") || strings.Contains(msg, "修改")) {
		t.Errorf("conflict message = %q, want it to say someone else changed it (version %d)", msg, a.Version)
	}
	var after conArticle
	apiJSON(t, s, http.MethodGet, "/v1/kb/articles/"+url.PathEscape(id), s.EditorToken, nil, &after)
	if after.Version != a.Version || after.Title != a.Title {
		t.Errorf("the stale save changed the article: %+v", after)
	}
	conDo(t, ed, "editor loads the newer version", chromedp.Click(conTID("conflict-load")))
	conWait(t, ed, "the newer version in the form", `document.querySelector('[data-testid=article-version]').dataset.version === `+conJS(fmt.Sprint(a.Version))+
		` && document.querySelector('[data-testid=field-answer]').value === `+conJS(a.Answer))

	// A validity window typed in local time is stored as the same instants.
	const from, until = "2020-01-02T03:04", "2031-05-06T07:08"
	conDo(t, ed, "editor sets a validity window",
		chromedp.SetValue(conTID("field-valid-from"), from),
		chromedp.SetValue(conTID("field-valid-until"), until),
		chromedp.Click(conTID("article-save")),
		chromedp.WaitVisible(conTID("save-status", `[data-state="saved"]`)),
	)
	var windowed struct {
		Version    int       `json:"version"`
		ValidFrom  time.Time `json:"valid_from"`
		ValidUntil time.Time `json:"valid_until"`
	}
	apiJSON(t, s, http.MethodGet, "/v1/kb/articles/"+url.PathEscape(id), s.EditorToken, nil, &windowed)
	for _, c := range []struct {
		local string
		got   time.Time
	}{{from, windowed.ValidFrom}, {until, windowed.ValidUntil}} {
		want, err := time.Parse(time.RFC3339, conEval[string](t, ed, `new Date(`+conJS(c.local)+`).toISOString()`))
		if err != nil || !c.got.Equal(want) {
			t.Errorf("local %s stored as %s, want %s (%v)", c.local, c.got, want, err)
		}
	}
	if windowed.Version != a.Version+1 {
		t.Errorf("version after the save = %d, want %d", windowed.Version, a.Version+1)
	}
	if _, art := conAsk(t, s, question); art != id {
		t.Errorf("inside its validity window the article is not the answer (got article %q)", art)
	}

	// Delete takes two clicks (no modal dialog).
	conDo(t, ed, "editor deletes the article",
		chromedp.Click(conTID("article-delete")),
		chromedp.Click(conTID("article-delete", `[data-armed="1"]`)),
		chromedp.WaitNotVisible(conTID("article-form")),
	)
	if code := apiJSON(t, s, http.MethodGet, "/v1/kb/articles/"+url.PathEscape(id), s.EditorToken, nil, nil); code != http.StatusNotFound {
		t.Errorf("GET the deleted article: %d, want 404", code)
	}
}

// TestConsoleUnansweredToVariant: a question nothing answered shows up on
// the editors' page and becomes a question of an existing article.
func TestConsoleUnansweredToVariant(t *testing.T) {
	s := startServer(t)
	const oos = "你们家的猫粮适合三个月的小猫吃吗"
	conAsk(t, s, oos)
	var list struct {
		Items []struct {
			Key     string `json:"key"`
			Example string `json:"example"`
		} `json:"items"`
	}
	if code := apiJSON(t, s, http.MethodGet, "/v1/kb/unanswered", s.EditorToken, nil, &list); code != http.StatusOK || len(list.Items) == 0 {
		t.Fatalf("GET /v1/kb/unanswered: %d %+v, want the customer's question", code, list)
	}

	ed := newBrowser(t)
	conEditorSignIn(t, ed, s)
	// The target: an article about what the shop does not sell.
	target := conArticle{Title: "宠物用品", Questions: []string{"卖宠物食品吗"}, Answer: "本店暂不销售宠物食品和宠物用品。",
		Intent: "product_availability", Tags: []string{}, Locale: "zh-CN", Status: "published"}
	if code := apiJSON(t, s, http.MethodPost, "/v1/kb/articles", s.EditorToken, target, &target); code != http.StatusCreated {
		t.Fatalf("POST article: %d", code)
	}
	conDo(t, ed, "editor opens the target article",
		conType(conTID("search-input"), "宠物用品"),
		chromedp.WaitVisible(conTID("search-result", `[data-article-id="`+target.ID+`"] button`)),
		chromedp.Click(conTID("search-result", `[data-article-id="`+target.ID+`"] button`)),
		chromedp.WaitVisible(conTID("article-form")),
		chromedp.Click(conTID("unanswered-refresh")),
	)
	conWait(t, ed, "the unanswered question", `[...document.querySelectorAll('[data-testid=unanswered-item]')]
		.some((li) => li.textContent.includes(`+conJS(oos)+`))`)
	// The list re-renders when a refresh lands, closing an open picker and
	// replacing the nodes a first look found: open the picker (again) and
	// pick the article in one polled step, until the click takes.
	conWait(t, ed, "the question's picker offering the target article", `(() => {
		const b = document.querySelector('[data-testid=variant-target][data-article-id="`+target.ID+`"]');
		if (b) { b.click(); return true; }
		const li = [...document.querySelectorAll('[data-testid=unanswered-item]')].find((li) => li.textContent.includes(`+conJS(oos)+`));
		const mv = li && li.querySelector('[data-testid=make-variant]');
		if (mv && mv.getAttribute('aria-expanded') !== 'true') mv.click();
		return false; })()`)
	conDo(t, ed, "the variant saved",
		chromedp.WaitVisible(conTID("save-status", `[data-state="saved"]`)),
	)
	conWait(t, ed, "the question in the form", `document.querySelector('[data-testid=field-questions]').value.split('\n').includes(`+conJS(oos)+`)`)
	conWait(t, ed, "the unanswered list to drop it", `![...document.querySelectorAll('[data-testid=unanswered-item]')]
		.some((li) => li.textContent.includes(`+conJS(oos)+`))`)

	var got conArticle
	apiJSON(t, s, http.MethodGet, "/v1/kb/articles/"+url.PathEscape(target.ID), s.EditorToken, nil, &got)
	if got.Version != target.Version+1 || !conContains(got.Questions, oos) {
		t.Errorf("article after the variant: version %d questions %q; want version %d with %q", got.Version, got.Questions, target.Version+1, oos)
	}
	list.Items = nil
	apiJSON(t, s, http.MethodGet, "/v1/kb/unanswered", s.EditorToken, nil, &list)
	for _, u := range list.Items {
		if u.Example == oos {
			t.Errorf("the unanswered question was not dismissed: %+v", u)
		}
	}
}

// TestConsoleTickets: a message a customer left is listed (as text),
// its conversation can be read, and the agent takes and resolves it.
func TestConsoleTickets(t *testing.T) {
	s := startServer(t)
	var conv struct{ ID string }
	if code := apiJSON(t, s, http.MethodPost, "/v1/conversations", "", map[string]string{"locale": "zh-CN"}, &conv); code != http.StatusCreated {
		t.Fatalf("POST /v1/conversations: %d", code)
	}
	apiJSON(t, s, http.MethodPost, "/v1/conversations/"+conv.ID+"/messages", "", map[string]string{"text": "我的发票开错了"}, nil)
	const note = `<b>请回电</b> 发票抬头要改成公司名`
	var tk struct{ ID string }
	if code := apiJSON(t, s, http.MethodPost, "/v1/conversations/"+conv.ID+"/leave-message", "",
		map[string]string{"text": note, "contact": "buyer@example.com"}, &tk); code != http.StatusCreated {
		t.Fatalf("leave-message: %d", code)
	}

	ag := newBrowser(t)
	conAgentSignIn(t, ag, s, "carol")
	ticket := conTID("ticket", `[data-ticket-id="`+tk.ID+`"]`)
	conDo(t, ag, "the ticket is listed", chromedp.WaitVisible(ticket))
	if got := conEval[string](t, ag, `document.querySelector('[data-ticket-id=`+conJS(tk.ID)+`] .ticket-text').textContent`); got != note {
		t.Errorf("ticket text = %q, want %q", got, note)
	}
	if n := conEval[int](t, ag, `document.querySelectorAll('[data-testid=tickets] b').length`); n != 0 {
		t.Errorf("the ticket's text made %d <b> elements", n)
	}
	conDo(t, ag, "agent reads the conversation",
		chromedp.Click(ticket+` [data-testid="ticket-view"]`),
		chromedp.WaitVisible(conTID("transcript")),
	)
	conWait(t, ag, "the conversation of the ticket", conTranscriptHas("customer", "我的发票开错了"))
	if conEval[bool](t, ag, `!document.querySelector('[data-testid=reply-form]').hidden`) {
		t.Error("a conversation nobody holds offers a reply box")
	}
	conDo(t, ag, "agent takes the ticket", chromedp.Click(ticket+` [data-testid="ticket-claim"]`))
	conWait(t, ag, "the ticket to leave the open list", `!document.querySelector('[data-ticket-id=`+conJS(tk.ID)+`]')`)
	conDo(t, ag, "agent lists claimed tickets and resolves it",
		chromedp.SetValue(conTID("tickets-filter"), "claimed"),
		chromedp.WaitVisible(ticket+`[data-status="claimed"]`),
		chromedp.Click(ticket+` [data-testid="ticket-resolve"]`),
	)
	conWait(t, ag, "the ticket to leave the claimed list", `!document.querySelector('[data-ticket-id=`+conJS(tk.ID)+`]')`)
	var resolved struct {
		Items []struct{ ID, Status, AgentID string } `json:"items"`
	}
	apiJSON(t, s, http.MethodGet, "/v1/tickets?status=resolved", s.AgentToken, nil, &resolved)
	if len(resolved.Items) != 1 || resolved.Items[0].ID != tk.ID {
		t.Errorf("resolved tickets = %+v, want %s", resolved.Items, tk.ID)
	}
}

// TestConsoleTransferAndClose: an agent transfers a conversation to a
// skill group (it waits in the queue again), takes it back and closes it.
func TestConsoleTransferAndClose(t *testing.T) {
	s := startServer(t)
	conv := conStartWaiting(t, s, "我想把鞋换大一码")
	ag := newBrowser(t)
	conAgentSignIn(t, ag, s, "dave")
	item := conTID("queue-item", `[data-conversation-id="`+conv+`"]`)
	conDo(t, ag, "agent claims and transfers",
		chromedp.Click(item+` [data-testid="claim"]`),
		chromedp.WaitVisible(conTID("reply-form")),
		chromedp.Click(conTID("transfer-toggle")),
		conType(conTID("transfer-skill"), "exchanges"),
		chromedp.Click(conTID("transfer")),
		chromedp.WaitVisible(conTID("conv-notice")),
		chromedp.WaitNotVisible(conTID("reply-form")),
	)
	conDo(t, ag, "the conversation waits again", chromedp.WaitVisible(item+` [data-testid="claim"]`))
	// The queue does not say which skill group it waits for (the API's
	// queue entry has no skill); the reason says it was transferred.
	if got := conEval[string](t, ag, `document.querySelector('[data-testid=queue-item][data-conversation-id=`+conJS(conv)+`]').dataset.reason`); got != "transfer" {
		t.Errorf("queue reason after the transfer = %q, want transfer", got)
	}
	conDo(t, ag, "agent takes it back and closes it",
		chromedp.Click(item+` [data-testid="claim"]`),
		chromedp.WaitVisible(conTID("reply-form")),
		conType(conTID("release-note"), "已换货"),
		chromedp.Click(conTID("release-close")),
		chromedp.WaitVisible(conTID("conv-notice")),
	)
	conWait(t, ag, "the queue to empty", `document.querySelectorAll('[data-testid=queue-item]').length === 0`)
	var c conConversation
	apiJSON(t, s, http.MethodGet, "/v1/conversations/"+conv, "", nil, &c)
	if c.State != "closed" {
		t.Errorf("state = %q, want closed", c.State)
	}
}

// TestConsoleUnreadElsewhere: an agent with two conversations sees when
// the customer of the one not on screen writes.
func TestConsoleUnreadElsewhere(t *testing.T) {
	s := startServer(t)
	first := conStartWaiting(t, s, "退款什么时候到账")
	second := conStartWaiting(t, s, "优惠券用不了")
	ag := newBrowser(t)
	conAgentSignIn(t, ag, s, "erin")
	itemOf := func(id string) chromedp.CSS { return conTID("queue-item", `[data-conversation-id="`+id+`"]`) }
	conDo(t, ag, "agent claims both",
		chromedp.Click(itemOf(first)+` [data-testid="claim"]`),
		chromedp.WaitVisible(itemOf(first)+`[aria-current="true"]`),
		// The queue has re-sorted (held conversations go last): the lines
		// stay put from here, so the next click finds its button.
		chromedp.WaitVisible(itemOf(first)+`[data-claimed-by="erin"]`),
		chromedp.Click(itemOf(second)+` [data-testid="claim"]`),
		chromedp.WaitVisible(itemOf(second)+`[aria-current="true"]`),
		chromedp.WaitVisible(itemOf(first)+` [data-testid="open"]`),
	)
	// The console follows the first conversation in the background.
	conDo(t, ag, "the first conversation followed", chromedp.WaitVisible(itemOf(first)+`[data-watching="live"]`))
	const text = "请问退款到哪一步了？"
	apiJSON(t, s, http.MethodPost, "/v1/conversations/"+first+"/messages", "", map[string]string{"text": text}, nil)
	conDo(t, ag, "the first conversation's line shows the new message", chromedp.WaitVisible(itemOf(first)+` [data-testid="queue-unread"]`))
	conDo(t, ag, "agent opens the first conversation",
		chromedp.Click(itemOf(first)+` [data-testid="open"]`),
		chromedp.WaitVisible(itemOf(first)+`[aria-current="true"]`),
	)
	conWait(t, ag, "the new message in its transcript", conTranscriptHas("customer", text))
	if conEval[bool](t, ag, `!document.querySelector('[data-testid=queue-item][data-conversation-id=`+conJS(first)+`] [data-testid=queue-unread]').hidden`) {
		t.Error("the opened conversation still shows unread messages")
	}
}

func conContains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
