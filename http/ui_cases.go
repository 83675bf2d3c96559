package http

// casePages are the case pages: a case, its records and its assignments.
func (s *Server) casePages() []route { return nil }
