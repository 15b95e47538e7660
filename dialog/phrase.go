package dialog

import (
	"errors"
	"strings"
)

// Locales the bot speaks (the knowledge base's article locales).
const (
	LocaleZh = "zh-CN"
	LocaleEn = "en"
)

// Phrases are the bot's own sentences in one locale: everything it says
// that does not come from the knowledge base. They are templates for
// Render: OrderNotFound, OrderNotYours and OrdersUnavailable get
// {{order_id}}; Handoff gets {{position}}, {{ahead}} (customers before
// this one) and {{minutes}} (expected wait).
type Phrases struct {
	Fallback          string // out of scope: polite, offers help or a person
	NoAnswer          string // in scope but no article
	Clarify           string // followed by the numbered suggestions
	AskOrderID        string
	NoOrderID         string // asked once, still no order id
	OrderNotFound     string // {{order_id}}
	OrderNotYours     string // a verified customer asked about someone else's order
	OrdersUnavailable string // the shop system failed: a holding answer
	Handoff           string // queued: position and expected wait
	HandoffOffline    string // no agent online: offers to leave a message
	OfferMessage      string // waited long: offers to leave a message
	AgentJoined       string
	ReleasedToBot     string
	Closed            string
	MessageLeft       string
	Unknown           string // an order value the shop did not give
	// Statuses name order and shipping-event status codes.
	Statuses map[string]string
}

func (p Phrases) validate() error {
	for _, s := range []string{p.Fallback, p.NoAnswer, p.Clarify, p.AskOrderID, p.NoOrderID, p.OrderNotFound,
		p.OrderNotYours, p.OrdersUnavailable, p.Handoff, p.HandoffOffline, p.OfferMessage,
		p.AgentJoined, p.ReleasedToBot, p.Closed, p.MessageLeft} {
		if strings.TrimSpace(s) == "" {
			return errors.New("a phrase is empty")
		}
	}
	return nil
}

func (p Phrases) status(code string) string {
	if s, ok := p.Statuses[code]; ok {
		return s
	}
	return code
}

// DefaultPhrases are the demo shop's sentences in Chinese and English.
func DefaultPhrases() map[string]Phrases {
	return map[string]Phrases{
		LocaleZh: {
			Fallback:          "抱歉，这个问题我暂时回答不了。我可以帮您查询订单物流、办理退换货、解答支付和优惠活动等问题；如需人工帮助，请回复「转人工」。",
			NoAnswer:          "抱歉，这个问题我暂时没有找到准确的答案。您可以换个说法再问我，或回复「转人工」由客服为您处理。",
			Clarify:           "我不太确定您想问的是哪一个，请问您是想了解：",
			AskOrderID:        "好的，请提供您的订单号（以DD开头，例如 DD20241123001），我帮您查一下。",
			NoOrderID:         "没有订单号我暂时查不到具体订单。您可以在「我的-我的订单」中找到以DD开头的订单号发给我，或回复「转人工」。",
			OrderNotFound:     "没有找到订单 {{order_id}}，请核对订单号（以DD开头，共13位）后再发给我。",
			OrderNotYours:     "抱歉，订单 {{order_id}} 不在您当前登录的账号下，出于隐私保护我无法提供该订单的信息。请登录下单账号后再咨询。",
			OrdersUnavailable: "抱歉，订单系统暂时繁忙，我现在查不到订单 {{order_id}} 的最新信息。请稍后再试，或回复「转人工」由客服为您跟进。",
			Handoff:           "正在为您转接人工客服，您前面还有 {{ahead}} 位顾客，预计等待约 {{minutes}} 分钟，请稍候。",
			HandoffOffline:    "已为您转接人工客服。当前暂无客服在线，您可以直接留言并留下联系方式，客服上线后会尽快联系您。",
			OfferMessage:      "抱歉让您久等了。您可以留言并留下联系方式，客服会尽快联系您；也可以继续排队等待。",
			AgentJoined:       "人工客服已接入，请问有什么可以帮您？",
			ReleasedToBot:     "人工客服已结束本次服务。如还有其他问题，可以继续问我。",
			Closed:            "本次会话已结束，感谢您的耐心。如有新的问题，随时给我发消息。",
			MessageLeft:       "已收到您的留言，客服会尽快通过您留下的联系方式与您联系。",
			Unknown:           "暂无",
			Statuses: map[string]string{
				"unpaid": "待付款", "paid": "已付款，待发货", "shipped": "已发货", "delivered": "已签收",
				"refund_pending": "退款处理中", "refunded": "已退款", "cancelled": "已取消",
				"collected": "已揽收", "in_transit": "运输中", "out_for_delivery": "派送中",
				"returning": "退回中",
			},
		},
		LocaleEn: {
			Fallback:          "Sorry, I can't help with that one. I can check orders and deliveries, handle returns and exchanges, and answer questions about payments and promotions. To talk to a person, just say \"talk to a person\".",
			NoAnswer:          "Sorry, I couldn't find a good answer to that. You can rephrase your question, or say \"talk to a person\" and an agent will help.",
			Clarify:           "I'm not sure which one you mean. Are you asking about:",
			AskOrderID:        "Sure. What is your order number? It starts with DD, for example DD20241123001.",
			NoOrderID:         "I can't look up a specific order without its number. You'll find it (starting with DD) under My Account > My Orders, or say \"talk to a person\".",
			OrderNotFound:     "I couldn't find order {{order_id}}. Please check the number (DD followed by 11 digits) and send it again.",
			OrderNotYours:     "Sorry, order {{order_id}} doesn't belong to the account you're signed in with, so to protect privacy I can't share anything about it. Please sign in with the account that placed it.",
			OrdersUnavailable: "Sorry, our order system is busy right now and I can't get the latest on order {{order_id}}. Please try again in a few minutes, or say \"talk to a person\" and an agent will follow up.",
			Handoff:           "I'm connecting you to a person. There are {{ahead}} customers ahead of you; the expected wait is about {{minutes}} minutes.",
			HandoffOffline:    "I've passed your conversation to our agents. No one is online right now: you can leave a message with your contact details and we'll get back to you as soon as possible.",
			OfferMessage:      "Sorry for the wait. You can leave a message with your contact details and we'll get back to you, or keep waiting.",
			AgentJoined:       "An agent has joined the conversation. How can we help?",
			ReleasedToBot:     "The agent has finished. If you have any other questions, just ask me.",
			Closed:            "This conversation is closed. Thanks for your patience — message us any time if you need anything else.",
			MessageLeft:       "Thanks, we've got your message and will contact you as soon as possible.",
			Unknown:           "not available",
			Statuses: map[string]string{
				"unpaid": "awaiting payment", "paid": "paid, awaiting shipment", "shipped": "shipped", "delivered": "delivered",
				"refund_pending": "refund in progress", "refunded": "refunded", "cancelled": "cancelled",
				"collected": "picked up by the courier", "in_transit": "in transit", "out_for_delivery": "out for delivery",
				"returning": "being returned",
			},
		},
	}
}

// normLocale maps a locale or language tag to a locale the bot speaks, or
// "" when it cannot tell.
func normLocale(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return ""
	case strings.HasPrefix(s, "zh"):
		return LocaleZh
	case strings.HasPrefix(s, "en"):
		return LocaleEn
	}
	return ""
}
