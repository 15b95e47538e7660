package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The widget lives in the shadow root of <kefu-chat>; these JavaScript
// snippets reach into it.
const (
	jsRoot = `document.querySelector('kefu-chat')?.shadowRoot`
	// jsLines lists the transcript as shown: stored lines only (the
	// welcome and the suggestion rows are local).
	jsLines = `[...(` + jsRoot + `?.querySelectorAll('.log > li.msg:not(.typing):not([data-local])') || [])]
		.map(li => ({role: li.dataset.role, id: li.dataset.id || '', text: li.querySelector('.text').textContent,
		             chips: [...li.querySelectorAll('.chip')].map(b => b.textContent)}))`
)

// line is one line of the widget's transcript.
type line struct {
	Role  string   `json:"role"`
	ID    string   `json:"id"`
	Text  string   `json:"text"`
	Chips []string `json:"chips"`
}

// jsStatus is true while the widget's status line shows and holds text.
func jsStatus(text string) string {
	return fmt.Sprintf(`(s => s && !s.hidden && s.textContent.includes(%s))(%s.querySelector('[data-kefu=status]'))`, jsString(text), jsRoot)
}

// in selects the element matching css inside the widget.
func in(css string) chromedp.JSPath {
	return chromedp.JSPath(fmt.Sprintf(`%s?.querySelector(%s)`, jsRoot, jsString(css)))
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}

// widget is a customer's tab with the chat widget.
type widget struct {
	t     *testing.T
	ctx   context.Context
	watch *pageWatch
}

func openPage(t *testing.T, ctx context.Context, url string) *widget {
	t.Helper()
	w := &widget{t: t, ctx: ctx, watch: watchPage(ctx)}
	w.do(chromedp.Navigate(url))
	return w
}

func (w *widget) do(actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	if err := chromedp.Do(w.ctx, actions...); err != nil {
		w.t.Fatalf("browser: %v\nwidget transcript: %+v", err, w.linesQuiet())
	}
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](w *widget, expr string) T {
	w.t.Helper()
	v, err := chromedp.Run(w.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		w.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// wait polls a JavaScript condition until it holds. It has no time limit
// of its own: a slow machine is not a failure (newBrowser's guard stops a
// hang).
func (w *widget) wait(what, cond string) {
	w.t.Helper()
	_, err := chromedp.Run(w.ctx, chromedp.Poll[chromedp.Void]("!!("+cond+")",
		chromedp.WithPollingTimeout(0), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		w.t.Fatalf("waiting for %s: %v\nwidget transcript: %+v\npage problems: %q\nwidget log: %s",
			what, err, w.linesQuiet(), w.watch.list(), w.htmlQuiet())
	}
}

func (w *widget) lines() []line {
	w.t.Helper()
	return eval[[]line](w, jsLines)
}

// linesQuiet is lines for failure messages: it never fails itself.
func (w *widget) linesQuiet() []line {
	ctx, cancel := context.WithTimeout(w.ctx, 5*time.Second)
	defer cancel()
	ls, _ := chromedp.Run(ctx, chromedp.Evaluate[[]line](jsLines))
	return ls
}

// htmlQuiet is the widget's transcript markup for failure messages.
func (w *widget) htmlQuiet() string {
	ctx, cancel := context.WithTimeout(w.ctx, 5*time.Second)
	defer cancel()
	html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](jsRoot+`?.querySelector('.log')?.outerHTML || ''`))
	return html
}

// open clicks the launcher and waits for the panel.
func (w *widget) open() {
	w.t.Helper()
	w.do(chromedp.WaitVisible(in(`[data-kefu=launcher]`)), chromedp.Click(in(`[data-kefu=launcher]`)),
		chromedp.WaitVisible(in(`[data-kefu=panel]`)))
}

// ask types text as the customer would, presses Enter and waits for the
// bot's stored reply to it, which it returns.
func (w *widget) ask(text string) line {
	w.t.Helper()
	w.send(text)
	return w.replyTo(text)
}

// send types text into the message box and presses Enter.
func (w *widget) send(text string) {
	w.t.Helper()
	w.do(chromedp.SendKeys(in(`[data-kefu=input]`), text), pressEnter())
}

// pressEnter is the Enter key as a keyboard sends it to a field that
// handles it on keydown. (SendKeys's "\n" also sends a char event, which
// would leave a line break in the emptied box.)
func pressEnter() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
				Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// replyTo waits for the customer's line text to be stored and for a bot
// line after it, and returns that line.
func (w *widget) replyTo(text string) line {
	w.t.Helper()
	w.wait("the bot's reply to "+text, fmt.Sprintf(`(() => {
		const ls = %s;
		const i = ls.findLastIndex(l => l.role === 'customer' && l.text === %s && l.id);
		return i >= 0 && ls.slice(i + 1).some(l => l.role === 'bot' && l.id);
	})()`, jsLines, jsString(text)))
	ls := w.lines()
	i := slices.IndexFunc(ls, func(l line) bool { return l.Role == "customer" && l.Text == text })
	for _, l := range ls[i+1:] {
		if l.Role == "bot" {
			return l
		}
	}
	w.t.Fatalf("no bot line after %q in %+v", text, ls)
	return line{}
}

// pageWatch collects what a page must never do: uncaught exceptions,
// Content-Security-Policy violations, and JavaScript dialogs (which it
// dismisses, so the page goes on).
type pageWatch struct {
	mu       sync.Mutex
	problems []string
	dialogs  []string
}

func watchPage(ctx context.Context) *pageWatch {
	pw := &pageWatch{}
	console := chromedp.Console(ctx)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				pw.mu.Lock()
				pw.problems = append(pw.problems, m.String())
				pw.mu.Unlock()
			}
		}
	}()
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			pw.mu.Lock()
			pw.dialogs = append(pw.dialogs, string(ev.Type)+": "+ev.Message)
			pw.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return pw
}

func (pw *pageWatch) list() []string {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	return append(slices.Clone(pw.problems), pw.dialogs...)
}

func (pw *pageWatch) check(t *testing.T) {
	t.Helper()
	pw.mu.Lock()
	defer pw.mu.Unlock()
	for _, p := range pw.problems {
		t.Errorf("page console: %s", p)
	}
	for _, d := range pw.dialogs {
		t.Errorf("page opened a dialog: %s", d)
	}
}

// clarifyingQuestion finds, through the API, a question the demo model
// finds ambiguous after first, so the bot answers it with suggestions. A
// retrained model may read a candidate differently; one is enough.
func clarifyingQuestion(t *testing.T, s *server, first string) (string, []string) {
	t.Helper()
	for _, q := range []string{"退还是换", "问题", "修改"} {
		var conv struct{ ID string }
		if apiJSON(t, s, "POST", "/v1/conversations", "", map[string]string{"locale": "zh-CN"}, &conv) != http.StatusCreated {
			t.Fatal("cannot start a conversation")
		}
		var turn struct {
			Reply struct{ Suggestions []string }
		}
		for _, text := range []string{first, q} {
			apiJSON(t, s, "POST", "/v1/conversations/"+conv.ID+"/messages", "", map[string]string{"text": text}, &turn)
		}
		if len(turn.Reply.Suggestions) >= 2 {
			return q, turn.Reply.Suggestions
		}
	}
	t.Fatalf("none of the candidate questions after %q makes the demo bot offer suggestions", first)
	return "", nil
}

// TestWidgetChinese: on the demo shop page a customer asks in Chinese and
// gets answers, rates one, picks a suggestion, and finds the conversation
// again after a reload. The page carries a strict CSP under which the
// widget works with no violation.
func TestWidgetChinese(t *testing.T) {
	s := startServer(t)
	const orderQuestion = "我的订单DD20241123011到哪了"
	question, suggestions := clarifyingQuestion(t, s, orderQuestion)

	resp, err := http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP of /: got %q, want it to hold %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP of /: got %q, want nothing unsafe", csp)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options of /: got %q, want nosniff", got)
	}

	w := openPage(t, newBrowser(t), s.URL+"/")
	w.open()
	if got := eval[string](w, jsRoot+`.querySelector('[data-kefu=launcher]').getAttribute('aria-label')`); got != "在线客服" {
		t.Errorf("launcher label: got %q, want 在线客服", got)
	}
	// The page's broad rules (button { font-family: serif }) stop at the shadow root.
	if font := eval[string](w, `getComputedStyle(`+jsRoot+`.querySelector('[data-kefu=send]')).fontFamily`); strings.Contains(font, "serif") && !strings.Contains(font, "sans") {
		t.Errorf("the page's button font leaked into the widget: %q", font)
	}

	// An order question: the answer names the order and its state.
	reply := w.ask(orderQuestion)
	if !strings.Contains(reply.Text, "DD20241123011") || !strings.Contains(reply.Text, "已发货") {
		t.Errorf("order answer: got %q, want DD20241123011 and 已发货", reply.Text)
	}

	// Thumbs up on that answer: the API says 204 and the button stays pressed.
	w.do(chromedp.Evaluate[chromedp.Void](`(() => {
		window.kefuStatuses = [];
		const f = window.fetch;
		window.fetch = async (...a) => { const r = await f(...a); window.kefuStatuses.push([String(a[0]), r.status]); return r; };
	})()`))
	up := fmt.Sprintf(`%s.querySelector('li[data-id=%s] [data-kefu=helpful]')`, jsRoot, jsString(reply.ID))
	w.do(chromedp.Click(chromedp.JSPath(up)))
	w.wait("the thumbs up to be recorded", up+`.getAttribute('aria-pressed') === 'true'`)
	statuses := eval[[][]any](w, `window.kefuStatuses.filter(s => s[0].endsWith('/feedback'))`)
	if len(statuses) != 1 || fmt.Sprint(statuses[0][1]) != "204" {
		t.Errorf("feedback calls: got %v, want one answered 204", statuses)
	}

	// An ambiguous question: suggestions show as buttons under the reply.
	reply = w.ask(question)
	w.wait("the suggestion buttons", fmt.Sprintf(`%s.querySelectorAll('li[data-id=%s] .chip').length > 0`, jsRoot, jsString(reply.ID)))
	reply = w.lines()[len(w.lines())-1]
	if !slices.Equal(reply.Chips, suggestions) {
		t.Errorf("suggestion buttons: got %q, want %q", reply.Chips, suggestions)
	}
	screenshot(t, w.ctx, "widget.png")

	// Clicking one sends it, and the bot answers it.
	pick := suggestions[len(suggestions)-1]
	w.do(chromedp.Click(chromedp.JSPath(fmt.Sprintf(`[...%s.querySelectorAll('.chip')].find(b => b.textContent === %s)`, jsRoot, jsString(pick)))))
	picked := w.replyTo(pick)
	if len(picked.Chips) > 0 {
		t.Errorf("after a pick the bot should answer, got more suggestions %q", picked.Chips)
	}
	if n := eval[int](w, jsRoot+`.querySelectorAll('.chip').length`); n != 0 {
		t.Errorf("%d suggestion buttons left after the pick, want 0", n)
	}

	// A reload shows the same conversation, panel open.
	before := w.lines()
	convID := eval[string](w, `Object.entries(localStorage).find(([k]) => k.endsWith(':conversation'))?.[1] || ''`)
	w.do(chromedp.Reload())
	w.wait("the transcript after the reload", fmt.Sprintf(`(%s).filter(l => l.id).length >= %d`, jsLines, len(before)))
	w.do(chromedp.WaitVisible(in(`[data-kefu=panel]`)))
	after := w.lines()
	if !slices.EqualFunc(before, after, func(a, b line) bool { return a.ID == b.ID && a.Text == b.Text }) {
		t.Errorf("after reload:\n got %+v\nwant %+v", after, before)
	}
	if again := eval[string](w, `Object.entries(localStorage).find(([k]) => k.endsWith(':conversation'))?.[1] || ''`); again != convID || convID == "" {
		t.Errorf("conversation after reload: got %s, want %s", again, convID)
	}
	// The vote is remembered too.
	if pressed := eval[bool](w, up+`.disabled`); !pressed {
		t.Error("the rated answer can be rated again after a reload")
	}
	w.watch.check(t)
}

// TestWidgetMobile: on a phone-sized screen the open panel fills it.
func TestWidgetMobile(t *testing.T) {
	s := startServer(t)
	ctx := newBrowser(t)
	w := &widget{t: t, ctx: ctx, watch: watchPage(ctx)}
	w.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(s.URL+"/"))
	w.do(chromedp.WaitVisible(in(`[data-kefu=launcher]`)), chromedp.Tap(in(`[data-kefu=launcher]`)),
		chromedp.WaitVisible(in(`[data-kefu=panel]`)))
	w.ask("怎么退货")
	if reply := w.ask("DD20241123019"); !strings.Contains(reply.Text, "DD20241123019") {
		t.Errorf("return answer for the order: got %q", reply.Text)
	}
	rect := eval[map[string]float64](w, `(() => { const r = `+jsRoot+`.querySelector('[data-kefu=panel]').getBoundingClientRect();
		return {w: r.width, h: r.height, vw: innerWidth, vh: innerHeight}; })()`)
	if rect["w"] != rect["vw"] || rect["h"] != rect["vh"] {
		t.Errorf("panel %vx%v on a %vx%v screen, want it to fill the screen", rect["w"], rect["h"], rect["vw"], rect["vh"])
	}
	screenshotViewport(t, ctx, "widget-mobile.png")
	// Escape closes it and gives the focus back to the launcher.
	w.do(chromedp.SendKeys(in(`[data-kefu=input]`), "\x1b"))
	w.wait("the panel to close", jsRoot+`.querySelector('[data-kefu=panel]').hidden`)
	w.wait("the focus back on the launcher", jsRoot+`.activeElement?.dataset.kefu === 'launcher'`)
	w.watch.check(t)
}

// TestWidgetHandoff: the customer asks for a person, sees the queue,
// leaves a message; asks again, an agent claims the conversation through
// the API and writes, and the line appears live; the agent hands back to
// the bot, which answers again.
func TestWidgetHandoff(t *testing.T) {
	s := startServer(t)
	w := openPage(t, newBrowser(t), s.URL+"/")
	w.open()
	w.ask("你好")

	// No agent online: queued, with the offer to leave a message.
	w.do(chromedp.Click(in(`[data-kefu=transfer]`)))
	w.replyTo("转人工")
	w.wait("the queue position", jsStatus("第 1 位"))
	if hidden := eval[bool](w, jsRoot+`.querySelector('[data-kefu=transfer]').hidden`); !hidden {
		t.Error("the transfer button shows while waiting for an agent")
	}
	w.do(chromedp.Click(in(`[data-kefu=leave]`)), chromedp.WaitVisible(in(`[data-kefu=leave-form]`)),
		chromedp.SendKeys(in(`[data-kefu=leave-text]`), "大衣什么时候补货？"),
		chromedp.SendKeys(in(`[data-kefu=leave-contact]`), "13800000000"),
		chromedp.Click(in(`[data-kefu=leave-form] button[type=submit]`)))
	w.wait("the message-left confirmation", `(`+jsLines+`).some(l => l.role === 'bot' && l.text.includes('已收到您的留言'))`)
	w.wait("the widget back with the bot", `!`+jsRoot+`.querySelector('[data-kefu=transfer]').hidden`)
	var tickets struct {
		Items []struct{ Text, Contact, Status string }
	}
	apiJSON(t, s, "GET", "/v1/tickets", s.AgentToken, nil, &tickets)
	if len(tickets.Items) != 1 || tickets.Items[0].Text != "大衣什么时候补货？" || tickets.Items[0].Contact != "13800000000" {
		t.Errorf("tickets: got %+v, want the message left", tickets.Items)
	}

	// An agent comes online; the customer asks again and is first in line.
	var queue struct {
		Items []struct {
			ConversationID string `json:"conversation_id"`
		}
	}
	apiJSON(t, s, "GET", "/v1/handoff/queue?agent_id=agent-li", s.AgentToken, nil, &queue)
	w.do(chromedp.Click(in(`[data-kefu=transfer]`)))
	w.replyTo("转人工")
	w.wait("the queue position", jsStatus("第 1 位"))
	apiJSON(t, s, "GET", "/v1/handoff/queue?agent_id=agent-li", s.AgentToken, nil, &queue)
	if len(queue.Items) != 1 {
		t.Fatalf("queue: got %+v, want one conversation", queue.Items)
	}
	conv := queue.Items[0].ConversationID
	if st := apiJSON(t, s, "POST", "/v1/handoff/"+conv+"/claim", s.AgentToken, map[string]string{"agent_id": "agent-li"}, nil); st != http.StatusOK {
		t.Fatalf("claim: %d", st)
	}
	w.wait("the agent status", jsStatus("人工客服为您服务中"))
	const agentLine = "您好，我是客服小李，驼色大衣 S 码下周一补货。"
	if st := apiJSON(t, s, "POST", "/v1/handoff/"+conv+"/messages", s.AgentToken, map[string]string{"text": agentLine}, nil); st != http.StatusCreated {
		t.Fatalf("agent message: %d", st)
	}
	w.wait("the agent's line, live", fmt.Sprintf(`(%s).some(l => l.role === 'agent' && l.text === %s)`, jsLines, jsString(agentLine)))

	// The customer writes to the agent: no bot reply while a person holds it.
	w.send("好的，谢谢")
	w.wait("the customer's line to the agent", `(`+jsLines+`).some(l => l.role === 'customer' && l.text === '好的，谢谢' && l.id)`)

	// Back to the bot.
	if st := apiJSON(t, s, "POST", "/v1/handoff/"+conv+"/release", s.AgentToken, map[string]string{"to": "bot"}, nil); st != http.StatusOK {
		t.Fatalf("release: %d", st)
	}
	w.wait("the bot again", `!`+jsRoot+`.querySelector('[data-kefu=transfer]').hidden && `+jsRoot+`.querySelector('[data-kefu=status]').hidden`)
	reply := w.ask("有哪些支付方式")
	if !strings.Contains(reply.Text, "支付") {
		t.Errorf("the bot's answer after release: %q", reply.Text)
	}
	// Nothing shown twice: every stored line once.
	seen := map[string]bool{}
	for _, l := range w.lines() {
		if l.ID == "" || seen[l.ID] {
			t.Errorf("line shown twice or never stored: %+v", l)
		}
		seen[l.ID] = true
	}
	w.watch.check(t)
}

// TestWidgetNewArticle: an article an editor publishes is answered from
// at once.
func TestWidgetNewArticle(t *testing.T) {
	s := startServer(t)
	const answer = "小福良品的旧衣回收活动：每件旧衣抵扣 10 元，可在「我的-旧衣回收」预约上门取件。"
	article := map[string]any{
		"title":     "旧衣回收",
		"questions": []string{"你们有旧衣回收活动吗", "旧衣服可以回收换券吗"},
		"answer":    answer,
		"tags":      []string{"活动"},
		"locale":    "zh-CN",
		"status":    "published",
	}
	// The editor files it under the intent the model reads the question
	// as, as the console suggests.
	var parse struct{ Intent string }
	if st := apiJSON(t, s, "POST", "/v1/nlu/parse", s.EditorToken, map[string]string{"text": "你们有旧衣回收活动吗"}, &parse); st != http.StatusOK {
		t.Fatalf("parse: %d", st)
	}
	if parse.Intent != "oos" {
		article["intent"] = parse.Intent
	}
	var created struct{ ID string }
	if st := apiJSON(t, s, "POST", "/v1/kb/articles", s.EditorToken, article, &created); st != http.StatusCreated {
		t.Fatalf("create article: %d", st)
	}
	w := openPage(t, newBrowser(t), s.URL+"/")
	w.open()
	reply := w.ask("你们有旧衣回收活动吗")
	if reply.Text != answer {
		t.Errorf("answer: got %q, want the new article's %q", reply.Text, answer)
	}
	w.watch.check(t)
}

// TestWidgetOnShopPage: a shop page on another origin, in English and
// with no CSP of its own, embeds widget.js from kefu. The UI is English,
// the API is called cross-origin, and markup the customer types is shown
// as text: no element is made, no script runs.
func TestWidgetOnShopPage(t *testing.T) {
	var kefuURL string
	shop := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, `<!doctype html><html lang="en-GB"><head><title>Shop</title></head>
<body><h1>A shop</h1><script src="%s/widget.js" async></script></body></html>`, kefuURL)
	}))
	t.Cleanup(shop.Close)
	s := startServerEnv(t, map[string]string{"KEFU_HTTP_CORS_ORIGINS": shop.URL})
	kefuURL = s.URL

	w := openPage(t, newBrowser(t), shop.URL+"/")
	w.open()
	for sel, want := range map[string]string{
		`.launcher-label`:      "Chat with us",
		`[data-kefu=transfer]`: "Talk to a person",
		`#kefu-title`:          "Customer service",
	} {
		if got := eval[string](w, jsRoot+`.querySelector(`+jsString(sel)+`).textContent`); got != want {
			t.Errorf("%s: got %q, want %q", sel, got, want)
		}
	}
	if got := eval[string](w, jsRoot+`.querySelector('[data-kefu=input]').placeholder`); got != "Type your question…" {
		t.Errorf("placeholder: got %q", got)
	}

	reply := w.ask("How do I return an item?")
	if reply.Text == "" || strings.ContainsAny(reply.Text, "退货") {
		t.Errorf("English question: got %q, want an English answer", reply.Text)
	}

	for _, evil := range []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror="window.kefuXSS=1;alert(2)">`,
	} {
		w.ask(evil)
		got := eval[string](w, fmt.Sprintf(`(%s).findLast(l => l.role === 'customer').text`, jsLines))
		if got != evil {
			t.Errorf("customer line: got %q, want the literal %q", got, evil)
		}
	}
	if n := eval[int](w, jsRoot+`.querySelectorAll('.log script, .log img').length + document.querySelectorAll('body img').length`); n != 0 {
		t.Errorf("%d elements made from the customer's text, want 0", n)
	}
	if xss := eval[bool](w, `window.kefuXSS === 1`); xss {
		t.Error("the customer's markup ran a script")
	}
	w.watch.check(t)
}
