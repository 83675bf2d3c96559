package main

import (
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/service"
)

func TestMarginFlag(t *testing.T) {
	d := service.NewDeconfliction()
	if err := applyMargins(d, []string{"raid=800/3h", "surveillance=0/0s"}); err != nil {
		t.Fatal(err)
	}
	if got := d.Margins[liaison.OpRaid]; got != (service.Margin{Metres: 800, Time: 3 * time.Hour}) {
		t.Fatalf("raid margin = %+v", got)
	}
	if got := d.Margins[liaison.OpWarrant]; got != service.DefaultMargins[liaison.OpWarrant] {
		t.Fatalf("an unnamed kind lost its default: %+v", got)
	}
	if service.DefaultMargins[liaison.OpRaid].Metres != 500 {
		t.Fatal("the defaults were changed in place")
	}
	for _, bad := range []string{"picnic=1/1h", "raid=800", "raid=-1/1h", "raid=800/forever", "raid=99999999/1h", "raid=1/9000h"} {
		if err := applyMargins(service.NewDeconfliction(), []string{bad}); err == nil || !strings.Contains(err.Error(), "--margin") {
			t.Errorf("%q: error %v", bad, err)
		}
	}
}
