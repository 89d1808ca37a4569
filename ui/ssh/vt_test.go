package ssh

import (
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// vt is a small terminal emulator for the tests: Bubble Tea's renderer
// sends diffs (cursor moves, erases, inserts, scrolls), so what a person
// sees after the first frame can only be read by replaying them on a
// screen. It keeps text only (styles are dropped) and implements the
// sequences the renderer emits for xterm-256color.
type vt struct {
	mu       sync.Mutex
	w, h     int
	cells    [][]string // "" is the right half of a wide character
	x, y     int
	top, bot int // scroll region, inclusive
	wrap     bool
	pending  bool // at the right margin: the next print wraps first
	insert   bool
	last     string
	saveX    int
	saveY    int
	parser   *ansi.Parser
	bytesIn  int
	printed  int
	unknownC map[string]int
}

func newVT(w, h int) *vt {
	v := &vt{w: w, h: h, wrap: true, unknownC: map[string]int{}}
	v.reset()
	v.parser = ansi.NewParser()
	v.parser.SetHandler(ansi.Handler{
		Print:     v.print,
		Execute:   v.execute,
		HandleCsi: v.csi,
		HandleEsc: v.esc,
	})
	return v
}

func (v *vt) reset() {
	v.cells = make([][]string, v.h)
	for i := range v.cells {
		v.cells[i] = blankLine(v.w)
	}
	v.x, v.y, v.top, v.bot, v.pending = 0, 0, 0, v.h-1, false
}

func blankLine(w int) []string {
	l := make([]string, w)
	for i := range l {
		l[i] = " "
	}
	return l
}

// Write feeds terminal output (io.Writer); it never fails.
func (v *vt) Write(p []byte) (int, error) {
	v.feed(p)
	return len(p), nil
}

// feed parses terminal output; parsing cannot fail.
func (v *vt) feed(p []byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.bytesIn += len(p)
	v.parser.Parse(p)
}

// Screen is the visible text, one line per row, right-trimmed.
func (v *vt) Screen() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	lines := make([]string, v.h)
	for i, row := range v.cells {
		lines[i] = strings.TrimRight(strings.Join(row, ""), " ")
	}
	return strings.Join(lines, "\n")
}

// Resize changes the screen size (as the client's terminal would).
func (v *vt) Resize(w, h int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	old := v.cells
	v.w, v.h = w, h
	v.reset()
	for y := 0; y < min(h, len(old)); y++ {
		copy(v.cells[y], old[y])
	}
}

func (v *vt) print(r rune) {
	s := string(r)
	width := ansi.StringWidth(s)
	if width == 0 {
		// a combining mark joins the previous cell
		if v.x > 0 {
			v.cells[v.y][v.x-1] += s
		}
		return
	}
	if v.pending && v.wrap {
		v.x = 0
		v.lineFeed()
	}
	v.pending = false
	if v.x+width > v.w {
		if !v.wrap {
			v.x = v.w - width
		} else {
			v.x = 0
			v.lineFeed()
		}
	}
	row := v.cells[v.y]
	if v.insert {
		copy(row[v.x+width:], row[v.x:])
	}
	row[v.x] = s
	for i := 1; i < width; i++ {
		row[v.x+i] = ""
	}
	v.last = s
	v.printed++
	v.x += width
	if v.x >= v.w {
		v.x = v.w - 1
		v.pending = true
	}
}

func (v *vt) execute(b byte) {
	switch b {
	case '\r':
		v.x, v.pending = 0, false
	case '\n', '\v', '\f':
		v.lineFeed()
	case '\b':
		if v.x > 0 {
			v.x--
		}
		v.pending = false
	case '\t':
		v.x = min(v.w-1, (v.x/8+1)*8)
		v.pending = false
	}
}

// lineFeed moves down, scrolling the region at its bottom margin.
func (v *vt) lineFeed() {
	v.pending = false
	if v.y == v.bot {
		v.scrollUp(1)
		return
	}
	if v.y < v.h-1 {
		v.y++
	}
}

func (v *vt) scrollUp(n int) {
	for range n {
		copy(v.cells[v.top:v.bot+1], v.cells[v.top+1:v.bot+1])
		v.cells[v.bot] = blankLine(v.w)
	}
}

func (v *vt) scrollDown(n int) {
	for range n {
		copy(v.cells[v.top+1:v.bot+1], v.cells[v.top:v.bot])
		v.cells[v.top] = blankLine(v.w)
	}
}

func param(p ansi.Params, i, def int) int {
	n, _, ok := p.Param(i, def)
	if !ok {
		return def
	}
	return n
}

// count is a movement count: missing or zero means one.
func count(p ansi.Params) int { return max(1, param(p, 0, 1)) }

func (v *vt) moveTo(x, y int) {
	v.x = max(0, min(v.w-1, x))
	v.y = max(0, min(v.h-1, y))
	v.pending = false
}

func (v *vt) csi(cmd ansi.Cmd, p ansi.Params) {
	if cmd.Prefix() == '?' {
		on := cmd.Final() == 'h'
		if cmd.Final() != 'h' && cmd.Final() != 'l' {
			return
		}
		p.ForEach(0, func(_, mode int, _ bool) {
			switch mode {
			case 7:
				v.wrap = on
			case 47, 1047, 1049:
				v.reset()
			}
		})
		return
	}
	if cmd.Prefix() != 0 || cmd.Intermediate() != 0 {
		return // private and intermediate sequences (keyboard, queries)
	}
	switch cmd.Final() {
	case 'A':
		v.moveTo(v.x, v.y-count(p))
	case 'B', 'e':
		v.moveTo(v.x, v.y+count(p))
	case 'C', 'a':
		v.moveTo(v.x+count(p), v.y)
	case 'D':
		v.moveTo(v.x-count(p), v.y)
	case 'E':
		v.moveTo(0, v.y+count(p))
	case 'F':
		v.moveTo(0, v.y-count(p))
	case 'G', '`':
		v.moveTo(count(p)-1, v.y)
	case 'd':
		v.moveTo(v.x, count(p)-1)
	case 'H', 'f':
		v.moveTo(max(1, param(p, 1, 1))-1, max(1, param(p, 0, 1))-1)
	case 'I':
		for range count(p) {
			v.x = min(v.w-1, (v.x/8+1)*8)
		}
		v.pending = false
	case 'Z':
		for range count(p) {
			v.x = max(0, (v.x-1)/8*8)
		}
		v.pending = false
	case 'J':
		switch param(p, 0, 0) {
		case 0:
			v.eraseLine(v.y, v.x, v.w)
			for y := v.y + 1; y < v.h; y++ {
				v.cells[y] = blankLine(v.w)
			}
		case 1:
			v.eraseLine(v.y, 0, v.x+1)
			for y := 0; y < v.y; y++ {
				v.cells[y] = blankLine(v.w)
			}
		case 2, 3:
			for y := range v.cells {
				v.cells[y] = blankLine(v.w)
			}
		}
	case 'K':
		switch param(p, 0, 0) {
		case 0:
			v.eraseLine(v.y, v.x, v.w)
		case 1:
			v.eraseLine(v.y, 0, v.x+1)
		case 2:
			v.eraseLine(v.y, 0, v.w)
		}
	case 'X':
		v.eraseLine(v.y, v.x, min(v.w, v.x+count(p)))
	case 'b':
		for range count(p) {
			if v.last != "" {
				for _, r := range v.last {
					v.print(r)
				}
			}
		}
	case '@':
		row := v.cells[v.y]
		n := min(count(p), v.w-v.x)
		copy(row[v.x+n:], row[v.x:])
		for i := v.x; i < v.x+n; i++ {
			row[i] = " "
		}
	case 'P':
		row := v.cells[v.y]
		n := min(count(p), v.w-v.x)
		copy(row[v.x:], row[v.x+n:])
		for i := v.w - n; i < v.w; i++ {
			row[i] = " "
		}
	case 'L':
		if v.y >= v.top && v.y <= v.bot {
			top := v.top
			v.top = v.y
			v.scrollDown(min(count(p), v.bot-v.y+1))
			v.top = top
			v.x = 0
		}
	case 'M':
		if v.y >= v.top && v.y <= v.bot {
			top := v.top
			v.top = v.y
			v.scrollUp(min(count(p), v.bot-v.y+1))
			v.top = top
			v.x = 0
		}
	case 'S':
		v.scrollUp(count(p))
	case 'T':
		v.scrollDown(count(p))
	case 'r':
		top, bot := param(p, 0, 1), param(p, 1, v.h)
		if top < 1 {
			top = 1
		}
		if bot < 1 || bot > v.h {
			bot = v.h
		}
		if top < bot {
			v.top, v.bot = top-1, bot-1
			v.moveTo(0, 0)
		}
	case 'h', 'l':
		p.ForEach(0, func(_, mode int, _ bool) {
			if mode == 4 {
				v.insert = cmd.Final() == 'h'
			}
		})
	case 'm', 'n', 'c', 't', 'q', 'u':
		// styles, reports and queries change no text
	default:
		v.unknownC[string(rune(cmd.Final()))]++
	}
}

func (v *vt) eraseLine(y, from, to int) {
	row := v.cells[y]
	for i := max(0, from); i < min(v.w, to); i++ {
		row[i] = " "
	}
}

func (v *vt) esc(cmd ansi.Cmd) {
	if cmd.Intermediate() != 0 {
		return // charset designations
	}
	switch cmd.Final() {
	case 'M':
		if v.y == v.top {
			v.scrollDown(1)
		} else if v.y > 0 {
			v.y--
		}
		v.pending = false
	case 'D':
		v.lineFeed()
	case 'E':
		v.x = 0
		v.lineFeed()
	case '7':
		v.saveX, v.saveY = v.x, v.y
	case '8':
		v.moveTo(v.saveX, v.saveY)
	case 'c':
		v.reset()
	}
}

func TestVTReplaysRendererSequences(t *testing.T) {
	v := newVT(10, 4)
	v.feed([]byte("\x1b[?1049h\x1b[H\x1b[2Jhello\r\nworld"))
	v.feed([]byte("\x1b[1;1H\x1b[2@ab\x1b[2;3H\x1b[2P\x1b[3;1Hxy\x1b[3b\x1b[4;2HZ\x1b[1X"))
	want := "abhello\nwod\nxyyyy\n Z"
	if got := v.Screen(); got != want {
		t.Fatalf("screen:\n%q\nwant\n%q", got, want)
	}
	// scroll region and insert/delete lines
	v.feed([]byte("\x1b[2;4r\x1b[2;1H\x1b[L\x1b[r\x1b[4;1H\x1b[K1\x1b[1;9H\x1b[K"))
	want = "abhello\n\nwod\n1"
	if got := v.Screen(); got != want {
		t.Fatalf("after IL:\n%q\nwant\n%q", got, want)
	}
	v.feed([]byte("\x1b[2;1H\x1b[M\x1b[1;1H\x1b[2T"))
	want = "\n\nabhello\nwod"
	if got := v.Screen(); got != want {
		t.Fatalf("after DL/SD:\n%q\nwant\n%q", got, want)
	}
	v.feed([]byte("\x1b[4;9Hé✓\r\n"))
	want = "\nabhello\nwod     é✓\n"
	if got := v.Screen(); got != want {
		t.Fatalf("after wrap:\n%q\nwant\n%q", got, want)
	}
}
