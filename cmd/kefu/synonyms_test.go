package main

import (
	"testing"
)

// TestServeSynonyms drives the synonym list through the whole server: a
// customer's nickname for a product finds nothing of it until an editor
// adds a group, then the very next question gets that product's article;
// a save from a stale version is 409, an invalid group 400, and the list
// outlives a restart.
func TestServeSynonyms(t *testing.T) {
	dir := t.TempDir()
	const (
		question = "小紫杯有货吗" // customers' name for the 紫晶保温杯
		answer   = "紫晶保温杯下周三补货，可在商品页点「到货提醒」。"
	)
	ask := func(t *testing.T, url string) (articleID, text string) {
		t.Helper()
		code, conv := call(t, "POST", url+"/v1/conversations", "", map[string]any{"locale": "zh-CN"})
		if code != 201 {
			t.Fatalf("create conversation = %d %v", code, conv)
		}
		code, turn := call(t, "POST", url+"/v1/conversations/"+conv["id"].(string)+"/messages", "", map[string]any{"text": question})
		reply, _ := turn["reply"].(map[string]any)
		if code != 200 || reply == nil {
			t.Fatalf("message = %d %v", code, turn)
		}
		id, _ := reply["article_id"].(string)
		return id, reply["text"].(string)
	}
	var articleID string
	var groups []any

	t.Run("first run", func(t *testing.T) {
		url := startServer(t, dir)
		code, a := call(t, "POST", url+"/v1/kb/articles", "editor-t", map[string]any{
			"title": "紫晶保温杯到货", "questions": []string{"紫晶保温杯有货吗", "紫晶保温杯什么时候补货"},
			"answer": answer, "intent": "product_availability", "locale": "zh-CN", "status": "published",
		})
		if code != 201 {
			t.Fatalf("create article = %d %v", code, a)
		}
		articleID = a["id"].(string)
		if id, _ := ask(t, url); id == articleID {
			t.Fatalf("without the group the customer already got the article; the test shows nothing")
		}

		code, list := call(t, "GET", url+"/v1/kb/synonyms", "editor-t", nil)
		if code != 200 || list["version"] != 0.0 || len(list["groups"].([]any)) < 50 {
			t.Fatalf("GET synonyms = %d, version %v; want 200 with the built-in list at version 0", code, list["version"])
		}
		groups = append(list["groups"].([]any), []string{"紫晶保温杯", "小紫杯"})
		code, saved := call(t, "PUT", url+"/v1/kb/synonyms", "editor-t", map[string]any{"groups": groups, "version": 0})
		if code != 200 || saved["version"] != 1.0 || len(saved["groups"].([]any)) != len(groups) {
			t.Fatalf("PUT synonyms = %d %v, want version 1 with every group", code, saved["version"])
		}
		if id, text := ask(t, url); id != articleID || text != answer {
			t.Errorf("after the group: article %q %q, want %q %q", id, text, articleID, answer)
		}

		if code, e := call(t, "PUT", url+"/v1/kb/synonyms", "editor-t", map[string]any{"groups": []any{}, "version": 0}); code != 409 {
			t.Errorf("stale PUT = %d %v, want 409", code, e)
		}
		if code, e := call(t, "PUT", url+"/v1/kb/synonyms", "editor-t", map[string]any{"groups": [][]string{{"退钱", "退錢"}}, "version": 1}); code != 400 {
			t.Errorf("PUT of a group of one word in two scripts = %d %v, want 400", code, e)
		}
	})

	t.Run("after a restart", func(t *testing.T) {
		url := startServer(t, dir)
		code, list := call(t, "GET", url+"/v1/kb/synonyms", "editor-t", nil)
		if code != 200 || list["version"] != 1.0 || len(list["groups"].([]any)) != len(groups) {
			t.Fatalf("GET synonyms = %d version %v, want the saved list at version 1", code, list["version"])
		}
		if id, _ := ask(t, url); id != articleID {
			t.Errorf("after the restart the customer got article %q, want %q", id, articleID)
		}
	})
}
