package tui

// Data text from the config, in the board's language and made safe to lay out.

func (c *Context) districtName(id string) string { return Sanitize(c.Cfg.DistrictName(id, c.Lang)) }

func (c *Context) zoneName(id string) string { return Sanitize(c.Cfg.ZoneName(id, c.Lang)) }

func (c *Context) teamName(id string) string { return Sanitize(c.Cfg.TeamName(id, c.Lang)) }

func (c *Context) gridName(id string) string {
	if i, ok := c.Cfg.GridIndex(id); ok {
		g := c.Cfg.Grids[i]
		if c.Lang == "en" && g.En != "" {
			return Sanitize(g.En)
		}
		if g.Zh != "" {
			return Sanitize(g.Zh)
		}
	}
	return Sanitize(id)
}

func (c *Context) notableName(id string) string {
	n, ok := c.Cfg.NotableByID(id)
	if !ok {
		return Sanitize(id)
	}
	if c.Lang == "en" && n.En != "" {
		return Sanitize(n.En)
	}
	return Sanitize(n.Zh)
}

func (c *Context) campaignNames() (city, name, short string) {
	m := c.Cfg.Campaign
	if c.Lang == "en" {
		return Sanitize(m.CityEn), Sanitize(m.NameEn), Sanitize(m.ShortEn)
	}
	return Sanitize(m.CityZh), Sanitize(m.NameZh), Sanitize(m.ShortZh)
}

func (c *Context) label(prefix, id string) string {
	if s, ok := labels[c.Lang][prefix+id]; ok {
		return s
	}
	return Sanitize(id)
}
