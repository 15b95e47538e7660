// Package storetest is the contract every kefu store keeps, as a test
// suite: ordering, gapless message numbering, claim-once under
// concurrency, compare-and-set and optimistic-concurrency conflicts,
// atomic imports and the errs codes of the expected failures.
//
// It sits beside store: store/sqlite runs it on a temporary file in every
// test run, a PostgreSQL store will run it against a real server. It
// imports only store, errs and the standard library.
//
// Usage, from an implementation's tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store {
//			s := openEmptyStore(t)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
package storetest
