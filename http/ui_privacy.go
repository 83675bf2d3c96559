package http

// privacyPages lists the web UI routes of this area (see routeTable).
func (s *Server) privacyPages() []route { return nil }
