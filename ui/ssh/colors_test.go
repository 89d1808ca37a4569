package ssh

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// sgr256 is how an xterm-256color client receives a foreground color.
func sgr256(hex string) string {
	c := colorprofile.ANSI256.Convert(lipgloss.Color(hex))
	if ic, ok := c.(ansi.IndexedColor); ok {
		return fmt.Sprintf("38;5;%d", int(ic))
	}
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("unexpected %T %v", c, color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0})
}

// Each session asks its own client's terminal for the background color
// (OSC 11) and styles itself from the answer: a light client gets the
// light palette and a dark client the dark one, at the same time, whatever
// the server's own terminal is.
func TestEachSessionPicksLightOrDarkFromItsClient(t *testing.T) {
	f := newFixture(t, Config{})
	light := must(f.dial("ada", f.keys["ada"]))
	dark := must(f.dial("bea", f.keys["bea"]))
	for _, c := range []*client{light, dark} {
		c.waitScreen("the background color query", wait, func(string) bool { return strings.Contains(c.Raw(), "\x1b]11;?") })
	}
	light.send("\x1b]11;rgb:ffff/ffff/ffff\x1b\\")
	dark.send("\x1b]11;rgb:0000/0000/0000\x1b\\")
	lightAccent, darkAccent := sgr256("#5A3FC0"), sgr256("#B4A4FF")
	if lightAccent == darkAccent {
		t.Fatalf("the two accents map to one color %s", lightAccent)
	}
	deadline := time.Now().Add(wait)
	for !strings.Contains(light.Raw(), lightAccent) || !strings.Contains(dark.Raw(), darkAccent) {
		if time.Now().After(deadline) {
			t.Fatalf("light client has light accent %v, dark client has dark accent %v",
				strings.Contains(light.Raw(), lightAccent), strings.Contains(dark.Raw(), darkAccent))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(dark.Raw(), lightAccent) {
		t.Error("the dark client got the light accent: sessions share one terminal's answer")
	}
}
