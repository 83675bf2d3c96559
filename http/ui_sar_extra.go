package http

import (
	"net/http"

	"liaison"
)

// sarExtraPages are the report page's attachments, case link and
// promotion to an intelligence record.
func (s *Server) sarExtraPages() []route { return nil }

// sarExtras adds what the report page's extra sections show to data.
func (s *Server) sarExtras(r *http.Request, rep *liaison.SAR, data map[string]any) error { return nil }
