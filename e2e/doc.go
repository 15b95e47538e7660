// Package e2e holds end-to-end tests of kefu's web faces in headless
// Chromium: the chat widget on the demo shop page and the agent console,
// driven through a real browser against the real `kefu serve` binary.
//
// The tests need Chromium at /usr/bin/chromium (or the path in the
// CHROMIUM environment variable); without it they fail and say so (on
// Debian: apt-get install chromium). With KEFU_SCREENSHOTS=1 they also
// write the screenshots under docs/ that the README shows.
//
// It sits outside the flow (api → dialog → nlu / kb → store): it imports
// no kefu package and speaks only HTTP and the DevTools protocol.
package e2e
