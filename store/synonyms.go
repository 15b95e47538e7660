package store

import "time"

// SynonymSet is the knowledge base's list of synonym groups as editors
// last saved it: each group holds words or phrases customers use for the
// same thing ("快递", "物流", "包裹"; "refund", "money back"). Version 0
// means editors never saved one (the built-in list applies).
type SynonymSet struct {
	Groups    [][]string `json:"groups"`
	Version   int        `json:"version"`
	UpdatedAt time.Time  `json:"updated_at"`
	UpdatedBy string     `json:"updated_by,omitempty"`
}
