package console

import (
	"bytes"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
	"gatehouse/internal/benchdb"
	"gatehouse/keymap"
	"gatehouse/store"
)

// scaleFile is benchdb.DB: the 100k-user, 1M-ticket file named by
// GATEHOUSE_BENCH_DB, or a small generated district in CI.
func scaleFile(b *testing.B) *store.DB {
	b.Helper()
	db, err := benchdb.DB()
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// scaleUser is the owner ("admin"), the first Building Administrator
// ("principal") or the first technician ("tech") of the scale file.
func scaleUser(b *testing.B, db *store.DB, who string) domain.Service {
	b.Helper()
	admin := session(b, db, db.Owner())
	group := map[string]string{"principal": "Building Administrator", "tech": "Technicians"}[who]
	if group == "" {
		return admin
	}
	ms, err := admin.GroupMembers(b.Context(), group)
	must(b, err)
	return session(b, db, ms[0].Username)
}

// settle runs a message through the model and every command it returns,
// synchronously, the way the program would before the next frame (commands
// that wait, such as the change feed, are given 50 ms and dropped).
func settle(m tea.Model, msg tea.Msg) {
	queue := []tea.Msg{msg}
	for len(queue) > 0 && len(queue) < 1000 {
		msg, queue = queue[0], queue[1:]
		if batch, ok := msg.(tea.BatchMsg); ok {
			for _, c := range batch {
				queue = append(queue, run(c)...)
			}
			continue
		}
		_, cmd := m.Update(msg)
		queue = append(queue, run(cmd)...)
	}
}

func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		if msg == nil {
			return nil
		}
		return []tea.Msg{msg}
	case <-time.After(50 * time.Millisecond):
		return nil
	}
}

// firstFrame builds the console and draws its first frame with data.
func firstFrame(svc domain.Service) tea.Model {
	m := New(Config{Service: svc, Now: fixedNow, NoColor: true})
	settle(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	settle(m, tea.BatchMsg{m.Init()}) // the start screen's first load
	_ = m.View()
	return m
}

// BenchmarkFirstFrame: budget < 100 ms on an empty file, < 300 ms with 100k
// users and 1M tickets (the file is open already; opening it is measured by
// scripts/bench.sh).
func BenchmarkFirstFrame(b *testing.B) {
	b.Run("empty", func(b *testing.B) {
		db, err := store.Open(filepath.Join(b.TempDir(), "empty.db"), store.Options{Owner: "admin", Now: fixedNow})
		must(b, err)
		defer db.Close()
		svc := session(b, db, "admin")
		for b.Loop() {
			firstFrame(svc)
		}
	})
	for _, who := range []string{"admin", "principal", "tech"} {
		b.Run("scale/"+who, func(b *testing.B) {
			svc := scaleUser(b, scaleFile(b), who)
			for b.Loop() {
				firstFrame(svc)
			}
		})
	}
}

// BenchmarkCursorMove is Update+View of the whole console for one cursor
// move in the ticket queue (budget < 16 ms).
func BenchmarkCursorMove(b *testing.B) {
	for _, who := range []string{"admin", "principal", "tech"} {
		b.Run(who, func(b *testing.B) {
			m := firstFrame(scaleUser(b, scaleFile(b), who))
			settle(m, tea.KeyPressMsg{Code: '2', Text: "2"})
			down, up := tea.KeyPressMsg{Code: tea.KeyDown}, tea.KeyPressMsg{Code: tea.KeyUp}
			i := 0
			for b.Loop() {
				k := down
				if i/10%2 == 1 {
					k = up
				}
				i++
				m.Update(k)
				_ = m.View()
			}
		})
	}
}

// BenchmarkMatrixToggle is Update+View for ticking a privilege box in a
// group's matrix (budget < 16 ms).
func BenchmarkMatrixToggle(b *testing.B) {
	m := firstFrame(scaleUser(b, scaleFile(b), "admin"))
	settle(m, tea.KeyPressMsg{Code: '3', Text: "3"})
	settle(m, tea.KeyPressMsg{Code: tea.KeyEnter})
	space := tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	for b.Loop() {
		m.Update(space)
		_ = m.View()
	}
}

// BenchmarkQueueFilter runs a query line the way a keystroke does (the
// command, then the frame with its result): indexed fields < 50 ms, free
// text < 300 ms at 1M tickets.
func BenchmarkQueueFilter(b *testing.B) {
	for _, who := range []string{"admin", "principal", "tech"} {
		for _, q := range []string{"status:open", "building:EAST", "assignee:me", "status:new building:WEST", "printer", "status:open sort:priority"} {
			b.Run(who+"/"+q, func(b *testing.B) {
				svc := scaleUser(b, scaleFile(b), who)
				c := &Common{Svc: svc, Ctx: b.Context(), Now: fixedNow, Access: svc.Access(b.Context()), Keys: keymap.Default(), Styles: newStyles(true, true)}
				s := newTicketsScreen(c)
				s.SetSize(120, 36)
				for b.Loop() {
					s.line.SetValue(q)
					cmd := s.requery()
					if cmd == nil {
						b.Fatalf("query %q: %s", q, s.lineErr)
					}
					s.Update(cmd())
					_ = s.View()
				}
				b.ReportMetric(float64(s.page.Total), "matches")
			})
		}
	}
}

// BenchmarkHeap reports the Go heap with the console open on the scale file
// after its first frame and a queue page (budget < 150 MB; the mmapped file
// is the kernel's page cache, not heap).
func BenchmarkHeap(b *testing.B) {
	svc := scaleUser(b, scaleFile(b), "admin")
	var keep tea.Model
	for b.Loop() {
		keep = firstFrame(svc)
		settle(keep, tea.KeyPressMsg{Code: '2', Text: "2"})
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
	runtime.KeepAlive(keep)
}

// countingWriter counts what the renderer writes to the terminal.
type countingWriter struct {
	mu sync.Mutex
	n  int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.n += len(p)
	w.mu.Unlock()
	return len(p), nil
}

func (w *countingWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// BenchmarkTerminalBytes reports the bytes the real renderer writes for one
// cursor move in the queue (what crosses an SSH link per keystroke).
func BenchmarkTerminalBytes(b *testing.B) {
	svc := scaleUser(b, scaleFile(b), "admin")
	out := &countingWriter{}
	p := tea.NewProgram(New(Config{Service: svc, Now: fixedNow, NoColor: true}), tea.WithInput(bytes.NewReader(nil)),
		tea.WithOutput(out), tea.WithWindowSize(120, 40), tea.WithoutSignalHandler())
	done := make(chan struct{})
	var runErr error
	go func() { _, runErr = p.Run(); close(done) }()
	defer func() {
		p.Quit()
		<-done
		if runErr != nil {
			b.Error(runErr)
		}
	}()
	quiet := func() int { // wait until the renderer has flushed
		last := -1
		for out.count() != last {
			last = out.count()
			time.Sleep(60 * time.Millisecond)
		}
		return last
	}
	p.Send(tea.KeyPressMsg{Code: '2', Text: "2"})
	quiet()
	var total, moves int
	for b.Loop() {
		before := quiet()
		p.Send(tea.KeyPressMsg{Code: tea.KeyDown})
		total += quiet() - before
		moves++
	}
	b.ReportMetric(float64(total)/float64(moves), "bytes/move")
}

// BenchmarkKeyToFrameDuringSlowQuery is Update+View of the whole console
// for a cursor move in the queue while a free-text query (the slow kind: it
// reads every visible ticket) is in flight the whole time, started the way
// a keystroke on the query line starts it (budget < 16 ms: no service call
// runs in Update or View). "queries" counts the free-text reads that ran
// meanwhile. GATEHOUSE_BENCH_DB names the 1M-ticket file (scripts/bench.sh).
func BenchmarkKeyToFrameDuringSlowQuery(b *testing.B) {
	m := firstFrame(scaleUser(b, scaleFile(b), "admin"))
	settle(m, tea.KeyPressMsg{Code: '2', Text: "2"})
	s, ok := m.(*Model).screen().(*ticketsScreen)
	if !ok {
		b.Fatal("2 did not open the ticket queue")
	}
	s.line.SetValue("printer")
	query := s.requery() // its result is never applied: it stays in flight
	if query == nil {
		b.Fatalf("free-text query refused: %s", s.lineErr)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	var runs atomic.Int64
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			query()
			runs.Add(1)
		}
	}()
	down, up := tea.KeyPressMsg{Code: tea.KeyDown}, tea.KeyPressMsg{Code: tea.KeyUp}
	i := 0
	for b.Loop() {
		k := down
		if i/10%2 == 1 {
			k = up
		}
		i++
		m.Update(k)
		_ = m.View()
	}
	close(stop)
	<-done
	b.ReportMetric(float64(runs.Load()), "queries")
}
