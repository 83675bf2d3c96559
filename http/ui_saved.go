package http

import "net/http"

// savedSearchPages are the saved searches: save a search, list, delete.
func (s *Server) savedSearchPages() []route { return nil }

// searchExtras adds what the search page's extra sections show to data.
func (s *Server) searchExtras(r *http.Request, data map[string]any) error { return nil }
