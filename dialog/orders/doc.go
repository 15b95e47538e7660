// Package orders connects the dialogue engine to a shop's orders: Book
// serves a fixed order book (the demo shop's data/orders/orders.json) and
// HTTP asks the shop's own system (GET {base}/orders/{id}) with a timeout,
// retries with backoff and a circuit breaker.
//
// Both implement dialog.OrderConnector, which dialog declares; cmd/kefu
// picks one. Errors are *errs.Error: errs.NotFound for an unknown order,
// errs.Unavailable when the shop system fails. Privacy (who may see what)
// is dialog's business: a connector returns the whole order.
package orders
