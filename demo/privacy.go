package demo

import (
	"context"

	"liaison"
	"liaison/service"
)

// privacyDemo adds the demo data the privacy pages show (none yet).
func privacyDemo(ctx context.Context, svc *service.Service, comms map[string]liaison.ID) error {
	return nil
}
