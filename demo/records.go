package demo

import (
	"context"

	"liaison"
	"liaison/service"
)

// recordsDemo adds the demo data the records pages show (none yet).
func recordsDemo(ctx context.Context, svc *service.Service, comms map[string]liaison.ID) error {
	return nil
}
