// Package models embeds the trained artefacts the kefu binary loads by
// default: demo/ is the NLU model `kefu train` made from the demo shop in
// data/ (README: "Reproducing the shipped model").
package models

import (
	"embed"
	"io/fs"
)

//go:embed demo
var embedded embed.FS

// Demo returns the demo shop's NLU model directory.
func Demo() fs.FS {
	sub, err := fs.Sub(embedded, "demo")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "demo" is valid.
		panic(err)
	}
	return sub
}
