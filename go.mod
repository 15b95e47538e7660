module github.com/kefu-ai/kefu

go 1.26.8

require (
	github.com/blevesearch/snowballstem v0.9.0
	github.com/sugarme/tokenizer v0.3.0
	golang.org/x/text v0.42.0
)

require (
	github.com/emirpasic/gods v1.18.1 // indirect
	github.com/mitchellh/colorstring v0.0.0-20190213212951-d06e56a500db // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	github.com/schollz/progressbar/v2 v2.15.0 // indirect
	github.com/stretchr/testify v1.11.1 // indirect
	github.com/sugarme/regexpset v0.0.0-20200920021344-4d4ec8eaf93c // indirect
)
