package http

// adminPages lists the web UI routes of this area (see routeTable).
func (s *Server) adminPages() []route { return nil }
