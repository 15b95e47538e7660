package dialog

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// OrderConnector reads an order from the shop's system. Implementations
// live in dialog/orders (Book: the demo order book; HTTP: the shop's API).
//
// Errors: errs.NotFound for an unknown id; errs.Unavailable when the shop
// system fails or does not answer in time.
type OrderConnector interface {
	Order(ctx context.Context, id string) (Order, error)
}

// Order is what the shop knows about one order. The JSON shape is the demo
// order book's (data/orders/orders.json) and the HTTP connector's.
type Order struct {
	ID         string          `json:"id"`
	UserID     string          `json:"user_id"`
	Status     string          `json:"status"`
	Amount     float64         `json:"amount"`
	Currency   string          `json:"currency"`
	Items      []Item          `json:"items"`
	Carrier    string          `json:"carrier"`
	TrackingNo string          `json:"tracking_no"`
	ETA        string          `json:"eta"`
	Events     []ShippingEvent `json:"events"`
	Customer   Contact         `json:"customer"`
}

// Item is one line of an order.
type Item struct {
	SKU   string  `json:"sku"`
	Name  string  `json:"name"`
	Qty   int     `json:"qty"`
	Price float64 `json:"price"`
}

// ShippingEvent is one step of a parcel's journey.
type ShippingEvent struct {
	Time        time.Time `json:"time"`
	Status      string    `json:"status"`
	Location    string    `json:"location"`
	Description string    `json:"description"`
}

// Contact is the order's recipient: never shown to anyone but its verified
// owner, and never put into a bot answer.
type Contact struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Address string `json:"address"`
}

// NopOrders is the connector wired when a shop has none: every lookup is
// errs.Unavailable, so the bot gives its holding answer.
type NopOrders struct{}

// Order implements OrderConnector.
func (NopOrders) Order(context.Context, string) (Order, error) {
	return Order{}, errs.E(errs.Unavailable, "no order system is configured")
}

var _ OrderConnector = NopOrders{}

// Access levels of a conversation to an order.
const (
	accessOwner       = "owner"       // verified owner: everything
	accessStatus      = "status"      // anonymous: shipping status only
	accessRefused     = "refused"     // verified, someone else's order
	accessNotFound    = "not_found"   // no such order
	accessUnavailable = "unavailable" // the shop system failed
)

// orderAccess decides what a conversation may see of an order. Only a
// signed (Verified) user id proves ownership; an unsigned one is treated
// as anonymous.
func orderAccess(c store.Conversation, o Order) string {
	if !c.Verified {
		return accessStatus
	}
	if c.UserID != "" && c.UserID == o.UserID {
		return accessOwner
	}
	return accessRefused
}

// orderValues are the placeholders an answer template may use. The
// anonymous view has the order id the customer typed, status, carrier,
// a masked tracking number, the status of the last event (its free text
// can name a pick-up point or a signer) and the ETA. The owner's view adds
// the full tracking number and last event, amount and items. Names, phones
// and addresses are never values.
func orderValues(o Order, access string, p Phrases) map[string]string {
	or := func(s string) string {
		if strings.TrimSpace(s) == "" {
			return p.Unknown
		}
		return s
	}
	v := map[string]string{
		"order_id":     o.ID,
		"order_status": p.status(o.Status),
		"carrier":      or(o.Carrier),
		"eta":          or(o.ETA),
		"tracking_no":  or(maskTracking(o.TrackingNo)),
		"last_event":   p.Unknown,
	}
	last, ok := lastEvent(o)
	if ok {
		v["last_event"] = p.status(last.Status)
	}
	if access == accessOwner {
		v["tracking_no"] = or(o.TrackingNo)
		if ok && last.Description != "" {
			v["last_event"] = last.Description
		}
		v["amount"] = formatAmount(o.Amount, o.Currency)
		var names []string
		for _, it := range o.Items {
			names = append(names, fmt.Sprintf("%s ×%d", it.Name, it.Qty))
		}
		v["items"] = strings.Join(names, "、")
	}
	return v
}

func lastEvent(o Order) (ShippingEvent, bool) {
	if len(o.Events) == 0 {
		return ShippingEvent{}, false
	}
	last := o.Events[0]
	for _, e := range o.Events[1:] {
		if !e.Time.Before(last.Time) {
			last = e
		}
	}
	return last, true
}

// maskTracking keeps a tracking number's carrier prefix and last four
// characters: SF1428830917264 → SF14*******7264.
func maskTracking(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 8 {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:4]) + strings.Repeat("*", n-8) + string(r[n-4:])
}

func formatAmount(a float64, currency string) string {
	s := strconv.FormatFloat(a, 'f', 2, 64)
	if currency == "" {
		return s
	}
	return s + " " + currency
}

// orderFacts is a one-line description of an order for the agent's
// summary: no names, phones or addresses.
func orderFacts(o Order, access string) string {
	switch access {
	case accessOwner:
		return fmt.Sprintf("%s %s %s (verified owner), %d item(s), carrier %s %s, ETA %s",
			o.ID, o.Status, formatAmount(o.Amount, o.Currency), len(o.Items), dash(o.Carrier), dash(o.TrackingNo), dash(o.ETA))
	case accessStatus:
		return fmt.Sprintf("%s %s (unverified customer), carrier %s, ETA %s", o.ID, o.Status, dash(o.Carrier), dash(o.ETA))
	}
	return ""
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
