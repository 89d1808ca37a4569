package domain

import "strings"

// Preset is an IndusTrack role preset: module levels set at once. Presets
// only touch module levels; flags stay as they are. The console's matrix
// cycles through them and `gatehouse group preset` applies one.
type Preset struct {
	Name  string
	Level func(p *Privilege) Level
}

// Presets in the order the console cycles through them.
var Presets = []Preset{
	{Name: "View Only", Level: func(*Privilege) Level { return LevelView }},
	// Edit & View edits everything that does not make the holder a full
	// administrator (R4): those modules stay at View.
	{Name: "Edit & View", Level: func(p *Privilege) Level {
		if p.Elevates {
			return LevelView
		}
		return LevelEdit
	}},
	{Name: "Admin", Level: func(*Privilege) Level { return LevelEdit }},
	{Name: "No Access", Level: func(*Privilege) Level { return LevelNone }},
}

// Levels are the module levels the preset sets.
func (p Preset) Levels() ModuleLevels {
	var l ModuleLevels
	for m := Module(0); m < NumModules; m++ {
		l[m] = p.Level(m.Info())
	}
	return l
}

// PresetName names the preset the levels match, "No Access" for none, or
// "Customize".
func PresetName(l ModuleLevels) string {
	for _, p := range Presets {
		if p.Levels() == l {
			return p.Name
		}
	}
	return "Customize"
}

// PresetLevels reads a preset as typed: its name in any case, with "-",
// "_" or "&" for spaces ("view-only", "edit-view", "admin"), or "none" /
// "no-access" for every module at None.
func PresetLevels(s string) (ModuleLevels, error) {
	key := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		s = strings.NewReplacer("&", " ", "-", " ", "_", " ").Replace(s)
		return strings.Join(strings.Fields(s), " ")
	}
	k := key(s)
	if k == "none" || k == "no access" {
		return ModuleLevels{}, nil
	}
	for _, p := range Presets {
		if key(p.Name) == k {
			return p.Levels(), nil
		}
	}
	return ModuleLevels{}, Errorf(EInvalid, "preset %q: expected view-only, edit-view, admin or none", s)
}
