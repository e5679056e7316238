// Package demo holds the recorded 2023 Zhoukou Summer Action: its campaign
// config, the published facts, the deterministic generator and the shipped
// recording.
package demo

import (
	_ "embed"

	"sitboard/campaign"
)

//go:embed zhoukou-2023.toml
var campaignTOML []byte

//go:embed facts/summer-action-2023.json
var factsJSON []byte

// CampaignFile is the name the embedded config is reported under.
const CampaignFile = "demo/zhoukou-2023.toml"

// Campaign returns the embedded Zhoukou 2023 config. It panics only if the
// shipped file is broken, which the tests catch.
func Campaign() *campaign.Config {
	cfg, err := campaign.ParseConfig(CampaignFile, campaignTOML)
	if err != nil {
		panic("demo: embedded campaign config is invalid: " + err.Error())
	}
	return cfg
}

// CampaignTOML is the embedded config's source.
func CampaignTOML() []byte { return campaignTOML }

// Facts is the embedded copy of the published figures.
func Facts() []byte { return factsJSON }
