package console

import (
	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles are the console's looks. Every piece of state is also shown by a
// character (▸ cursor, [x] ticked, * selected…), so the console reads the
// same with NO_COLOR.
type Styles struct {
	Header    lipgloss.Style
	HeaderDim lipgloss.Style
	Tab       lipgloss.Style
	TabActive lipgloss.Style
	Title     lipgloss.Style
	Cursor    lipgloss.Style
	Dim       lipgloss.Style
	Badge     lipgloss.Style
	Admin     lipgloss.Style
	Warn      lipgloss.Style
	Error     lipgloss.Style
	OK        lipgloss.Style
	Dialog    lipgloss.Style
	Column    lipgloss.Style
	Help      help.Styles
}

// newStyles builds the styles for a dark or light background; noColor keeps
// only bold, faint and reverse (https://no-color.org).
func newStyles(dark, noColor bool) Styles {
	ld := lipgloss.LightDark(dark)
	accent := ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#B4A4FF"))
	dim := ld(lipgloss.Color("#767676"), lipgloss.Color("#8A8A8A"))
	warn := ld(lipgloss.Color("#A05A00"), lipgloss.Color("#F5B942"))
	bad := ld(lipgloss.Color("#B00020"), lipgloss.Color("#FF6B6B"))
	good := ld(lipgloss.Color("#1B7F3B"), lipgloss.Color("#6BD68B"))
	s := Styles{
		Header:    lipgloss.NewStyle().Bold(true),
		HeaderDim: lipgloss.NewStyle().Faint(true),
		Tab:       lipgloss.NewStyle(),
		TabActive: lipgloss.NewStyle().Bold(true).Reverse(true),
		Title:     lipgloss.NewStyle().Bold(true),
		Cursor:    lipgloss.NewStyle().Reverse(true),
		Dim:       lipgloss.NewStyle().Faint(true),
		Badge:     lipgloss.NewStyle().Faint(true),
		Admin:     lipgloss.NewStyle().Bold(true),
		Warn:      lipgloss.NewStyle().Bold(true),
		Error:     lipgloss.NewStyle().Bold(true),
		OK:        lipgloss.NewStyle(),
		Dialog:    lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		Column:    lipgloss.NewStyle().Underline(true),
		Help:      help.DefaultStyles(dark),
	}
	if noColor {
		plain := lipgloss.NewStyle()
		s.Help = help.Styles{Ellipsis: plain, ShortKey: plain.Bold(true), ShortDesc: plain, ShortSeparator: plain.Faint(true),
			FullKey: plain.Bold(true), FullDesc: plain, FullSeparator: plain}
		return s
	}
	s.Header = s.Header.Foreground(accent)
	s.TabActive = lipgloss.NewStyle().Bold(true).Foreground(ld(lipgloss.Color("#FFFFFF"), lipgloss.Color("#1A1A1A"))).Background(accent)
	s.Title = s.Title.Foreground(accent)
	s.Dim = lipgloss.NewStyle().Foreground(dim)
	s.Badge = lipgloss.NewStyle().Foreground(dim)
	s.Admin = s.Admin.Foreground(warn)
	s.Warn = s.Warn.Foreground(warn)
	s.Error = s.Error.Foreground(bad)
	s.OK = s.OK.Foreground(good)
	s.Dialog = s.Dialog.BorderForeground(accent)
	return s
}
