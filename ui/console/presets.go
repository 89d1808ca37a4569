package console

import "gatehouse/domain"

// The matrix's role presets are domain.Presets (the CLI's `group preset`
// applies the same ones).
type preset = domain.Preset

var presets = domain.Presets

func presetName(l domain.ModuleLevels) string { return domain.PresetName(l) }

func presetLevels(p preset) domain.ModuleLevels { return p.Levels() }
