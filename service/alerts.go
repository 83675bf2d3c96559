package service

import (
	"sync"
	"time"
)

// Alert is an operational problem administrators must see, such as a
// failed audit write.
type Alert struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"`
	Message string    `json:"message"`
}

// Alerts keeps the most recent alerts of this node in memory.
type Alerts struct {
	mu    sync.Mutex
	max   int
	items []Alert
	total int64
}

// NewAlerts returns a buffer that keeps the last max alerts.
func NewAlerts(max int) *Alerts { return &Alerts{max: max} }

// Alert raises an alert for administrators.
func (s *Service) Alert(kind, message string) {
	if s.Alerts == nil {
		return
	}
	s.Alerts.mu.Lock()
	defer s.Alerts.mu.Unlock()
	s.Alerts.items = append(s.Alerts.items, Alert{At: s.Now().UTC(), Kind: kind, Message: message})
	if len(s.Alerts.items) > s.Alerts.max {
		s.Alerts.items = s.Alerts.items[len(s.Alerts.items)-s.Alerts.max:]
	}
	s.Alerts.total++
}

// Recent returns the alerts kept, newest first, and how many were ever raised.
func (a *Alerts) Recent() ([]Alert, int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Alert, len(a.items))
	for i, al := range a.items {
		out[len(a.items)-1-i] = al
	}
	return out, a.total
}
