package dialog

import "maps"

// SetIncident puts an intent under an incident (an outage, a delayed
// warehouse): until ClearIncident, the bot answers it with the given
// article, before asking for slots or routing it to people. Explicit
// requests for a person and strong emotions still go to people.
func (e *Engine) SetIncident(intent, articleID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if articleID == "" {
		delete(e.incidents, intent)
		return
	}
	e.incidents[intent] = articleID
}

// ClearIncident ends an intent's incident.
func (e *Engine) ClearIncident(intent string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.incidents, intent)
}

// Incidents returns the intents under an incident and their articles.
func (e *Engine) Incidents() map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.incidents)
}

func (e *Engine) incident(intent string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id, ok := e.incidents[intent]
	return id, ok
}
