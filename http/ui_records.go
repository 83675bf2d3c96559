package http

// recordPages lists the web UI routes of this area (see routeTable).
func (s *Server) recordPages() []route { return nil }
