package console

import "gatehouse/domain"

// preset is an IndusTrack role preset: module levels set at once. Presets
// only touch module levels; flags stay as they are. They belong beside the
// catalog in domain/ and live here until domain/ grows them.
type preset struct {
	Name  string
	Level func(p *domain.Privilege) domain.Level
}

// presets in the order `p` cycles through them; after the last the matrix
// returns to the levels it had before ("Customize").
var presets = []preset{
	{Name: "View Only", Level: func(*domain.Privilege) domain.Level { return domain.LevelView }},
	// Edit & View edits everything that does not make the holder a full
	// administrator (R4): those modules stay at View.
	{Name: "Edit & View", Level: func(p *domain.Privilege) domain.Level {
		if p.Elevates {
			return domain.LevelView
		}
		return domain.LevelEdit
	}},
	{Name: "Admin", Level: func(*domain.Privilege) domain.Level { return domain.LevelEdit }},
	{Name: "No Access", Level: func(*domain.Privilege) domain.Level { return domain.LevelNone }},
}

// presetName names the preset the levels match, or "Customize".
func presetName(l domain.ModuleLevels) string {
	for _, p := range presets {
		if presetLevels(p) == l {
			return p.Name
		}
	}
	return "Customize"
}

func presetLevels(p preset) domain.ModuleLevels {
	var l domain.ModuleLevels
	for m := domain.Module(0); m < domain.NumModules; m++ {
		l[m] = p.Level(m.Info())
	}
	return l
}
