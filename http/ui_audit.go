package http

// auditPages lists the web UI routes of this area (see routeTable).
func (s *Server) auditPages() []route { return nil }
