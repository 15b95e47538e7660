// Package web provides kefu's embedded web pages and the handler serving
// them: the customers' chat widget (widget/: one classic script a shop
// page includes, plus its stylesheet), the agents' console (console/) and
// a demo shop page that embeds the widget (demo/).
//
// It sits beside the HTTP API in the flow: api registers the routes and
// hands the requests to a Site; the pages talk to kefu only through the
// public HTTP API, like any other client. There is no build step: the
// files are plain HTML, CSS and JavaScript, embedded as they are.
//
// URL paths map to the embedded files like this:
//
//	/                → demo/index.html
//	/demo/<file>     → demo/<file>
//	/widget.js       → widget/widget.js
//	/widget/<file>   → widget/<file>
//	/console         → console/index.html
//	/console/kb      → console/kb.html
//	/console/<file>  → console/<file>
//
// Directories are flat (one path segment after the prefix), and only
// files of the types in contentTypes are served, so placeholders such as
// .gitkeep or notes never are. Pages under /console must name their
// assets by absolute path (/console/console.js): relative to /console a
// bare console.js would resolve to /console.js.
//
// Every HTML page carries PageCSP, a strict Content-Security-Policy with
// no 'unsafe-inline': pages keep their scripts and styles in files. Every
// file has an ETag and Cache-Control: no-cache, so browsers revalidate
// cheaply (304) and a new binary's files show at once.
package web
