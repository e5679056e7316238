package demo

import (
	"bytes"
	"os"
	"testing"
)

func TestEmbeddedCampaignIsValid(t *testing.T) {
	cfg := Campaign()
	if got := len(cfg.Grids); got != 62 {
		t.Errorf("grids = %d, want 62", got)
	}
	if got := cfg.SiteCount("night_market"); got != 97 {
		t.Errorf("night markets = %d, want 97", got)
	}
	if got := cfg.Days(); got != 98 {
		t.Errorf("days = %d, want 98", got)
	}
}

// The facts travel with the project; this keeps the copy honest.
func TestFactsCopyMatchesShared(t *testing.T) {
	shared, err := os.ReadFile("../../shared/facts/summer-action-2023.json")
	if err != nil {
		t.Skipf("../shared/facts not present (%v): nothing to compare", err)
	}
	if !bytes.Equal(shared, Facts()) {
		t.Fatal("demo/facts/summer-action-2023.json differs from ../shared/facts: copy the shared file over")
	}
}
