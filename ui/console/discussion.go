package console

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/domain"
)

// collabDoneMsg reports a Discussion, Attachments, Alerts or custom report
// action run as a command. The tickets screen routes it: a refusal keeps
// form open with everything typed in it, success closes it.
type collabDoneMsg struct {
	ok   string
	err  error
	form *form
}

// formHolder is a ticket pane (or the saved-queries list) with a form of
// its own; finish ends a submit of f.
type formHolder interface {
	finish(f *form, err error)
}

// collabDo runs fn as a command and reports its outcome for f.
func collabDo(f *form, fn func() (string, error)) tea.Cmd {
	return func() tea.Msg {
		ok, err := fn()
		return collabDoneMsg{ok: ok, err: err, form: f}
	}
}

// collabDone shows a collab action's outcome and reloads the open detail
// so the panes show what the store holds now.
func (s *ticketsScreen) collabDone(m collabDoneMsg) tea.Cmd {
	if m.err != nil {
		s.c.Fail(m.err)
	} else {
		s.c.Ok("%s", m.ok)
	}
	if s.detail != nil {
		for _, p := range s.detail.panes {
			if fh, ok := p.(formHolder); ok {
				fh.finish(m.form, m.err)
			}
		}
	}
	if s.saved != nil {
		s.saved.finish(m.form, m.err)
	}
	if s.detail != nil {
		return s.detail.reload()
	}
	return nil
}

// paneForm is the form state a pane shares: the open form, what it is for,
// and whether its submit is on the way to the store.
type paneForm struct {
	form *form
	kind int
	busy bool
}

func (p *paneForm) finish(f *form, err error) {
	if f == nil || f != p.form {
		return
	}
	p.busy = false
	if err == nil {
		p.form = nil
	}
}

// refuse puts why a key is not available in the status line.
func refuse(c *Common, f domain.Flag) {
	c.Fail(c.Access.Require(f))
}

// discussionPane shows a ticket's threads, their messages oldest first
// with replies indented under what they answer; n, r, e and d start,
// post, edit and delete, each offered only with its privilege.
type discussionPane struct {
	c      *Common
	number domain.TicketNumber
	label  string
	d      domain.Discussion
	items  []discItem
	cursor int
	top    int
	err    error
	hidden bool
	w, h   int
	// the thread and message an open form answers or edits, fixed when it
	// opens: a reload meanwhile (a change feed event) may empty the list
	formThread domain.ThreadView
	formPost   *domain.PostView
	paneForm
}

// discItem is one line-group of the pane: a thread header or a message.
type discItem struct {
	thread int
	post   *domain.PostView // nil for the thread's header
	depth  int
}

const (
	discNewThread = iota
	discPost
	discEdit
)

func newDiscussionPane(c *Common) *discussionPane { return &discussionPane{c: c} }

// Load reads the discussion again; an open form and the cursor stay.
func (p *discussionPane) reader(n domain.TicketNumber) func() func() {
	hidden := !p.c.Access.Has(domain.DiscussionView)
	return func() func() {
		var d domain.Discussion
		var err error
		if !hidden {
			d, err = p.c.Svc.Discussion(p.c.Ctx, n)
		}
		return func() { p.d, p.err = d, err }
	}
}

func (p *discussionPane) Load(t *domain.TicketDetail) {
	p.number, p.label = t.Number, t.Label
	p.hidden = !p.c.Access.Has(domain.DiscussionView)
	p.items = p.items[:0]
	for i, th := range p.d.Threads {
		p.items = append(p.items, discItem{thread: i})
		p.items = append(p.items, threadOrder(th.Posts, i)...)
	}
	p.cursor = max(0, min(p.cursor, len(p.items)-1))
}

// threadOrder puts each message under the one it answers, siblings oldest
// first; a reply to a deleted message stays at the top level.
func threadOrder(posts []domain.PostView, thread int) []discItem {
	present := map[domain.ID]bool{}
	for _, ps := range posts {
		present[ps.ID] = true
	}
	children := map[domain.ID][]int{}
	for i, ps := range posts {
		parent := ps.ReplyTo
		if !present[parent] {
			parent = 0
		}
		children[parent] = append(children[parent], i)
	}
	var out []discItem
	var walk func(parent domain.ID, depth int)
	walk = func(parent domain.ID, depth int) {
		for _, i := range children[parent] {
			out = append(out, discItem{thread: thread, post: &posts[i], depth: depth})
			walk(posts[i].ID, depth+1)
		}
	}
	walk(0, 0)
	return out
}

func (p *discussionPane) current() (discItem, bool) {
	if p.cursor < 0 || p.cursor >= len(p.items) {
		return discItem{}, false
	}
	return p.items[p.cursor], true
}

func (p *discussionPane) Capturing() bool { return p.form != nil }

// Claims takes the discussion keys before the ticket actions (r is reply
// here, not reassign) once the discussion is readable.
func (p *discussionPane) Claims(k tea.KeyPressMsg) bool {
	ck := p.c.Keys.Collab
	return !p.hidden && (key.Matches(k, ck.NewThread) || key.Matches(k, ck.Reply) ||
		key.Matches(k, ck.EditPost) || key.Matches(k, ck.DeletePost))
}

func (p *discussionPane) openForm(kind int, title string, f func(*form) *form) {
	p.form = f(newForm(p.c, title))
	p.kind, p.busy = kind, false
	p.form.SetSize(p.w, p.h)
}

func (p *discussionPane) Update(msg tea.Msg) tea.Cmd {
	if p.form != nil {
		var submit tea.Cmd
		cmd := updateForm(&p.form, msg, func() tea.Cmd { submit = p.submit(); return nil })
		return tea.Batch(cmd, submit)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	ck, n := p.c.Keys.Collab, p.c.Keys.Nav
	a := &p.c.Access
	it, have := p.current()
	switch {
	case key.Matches(k, n.Up):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(k, n.Down):
		p.cursor = max(0, min(len(p.items)-1, p.cursor+1))
	case key.Matches(k, n.Home):
		p.cursor = 0
	case key.Matches(k, n.End):
		p.cursor = max(0, len(p.items)-1)
	case key.Matches(k, n.PageDown):
		p.cursor = max(0, min(len(p.items)-1, p.cursor+5))
	case key.Matches(k, n.PageUp):
		p.cursor = max(0, p.cursor-5)
	case key.Matches(k, ck.NewThread):
		if !a.Has(domain.DiscussionInitiate) {
			refuse(p.c, domain.DiscussionInitiate)
			return nil
		}
		p.openForm(discNewThread, "New thread on "+p.label, func(f *form) *form {
			f.text("Title", "", "what the thread is about", nil)
			return f.area("Message", "", "the first message", nil)
		})
	case key.Matches(k, ck.Reply):
		if !a.Has(domain.DiscussionPost) {
			refuse(p.c, domain.DiscussionPost)
			return nil
		}
		if !have {
			p.c.Fail(domain.Errorf(domain.EInvalid, "no thread yet: n starts one"))
			return nil
		}
		th := p.d.Threads[it.thread]
		title := "Post in thread " + strconvQuote(th.Title)
		if it.post != nil {
			title = "Reply to " + it.post.AuthorName + "'s message in " + strconvQuote(th.Title)
		}
		p.openForm(discPost, title, func(f *form) *form { return f.area("Message", "", "your message", nil) })
		p.formThread, p.formPost = th, it.post
	case key.Matches(k, ck.EditPost):
		if !a.Has(domain.DiscussionEdit) {
			refuse(p.c, domain.DiscussionEdit)
			return nil
		}
		if !have || it.post == nil {
			p.c.Fail(domain.Errorf(domain.EInvalid, "highlight a message to edit it"))
			return nil
		}
		text := it.post.Text
		p.openForm(discEdit, "Edit "+it.post.AuthorName+"'s message", func(f *form) *form { return f.area("Message", text, "", nil) })
		p.formPost = it.post
	case key.Matches(k, ck.DeletePost):
		if !a.Has(domain.DiscussionDelete) {
			refuse(p.c, domain.DiscussionDelete)
			return nil
		}
		if !have {
			return nil
		}
		return p.askDelete(it)
	}
	return nil
}

func strconvQuote(s string) string { return "“" + s + "”" }

func (p *discussionPane) askDelete(it discItem) tea.Cmd {
	svc, n := p.c.Svc, p.number
	th := p.d.Threads[it.thread]
	if it.post == nil {
		q := fmt.Sprintf("Delete the thread %s on %s with its %s? This cannot be undone.", strconvQuote(th.Title), p.label, plural(len(th.Posts), "message"))
		return ask(q, collabDo(nil, func() (string, error) {
			return "deleted thread " + strconvQuote(th.Title), svc.DeleteThread(p.c.Ctx, n, th.ID)
		}))
	}
	post := *it.post
	q := fmt.Sprintf("Delete %s's message %s? This cannot be undone.", post.AuthorName, strconvQuote(excerptLine(post.Text, 50)))
	return ask(q, collabDo(nil, func() (string, error) {
		return "deleted " + post.AuthorName + "'s message", svc.DeleteMessage(p.c.Ctx, n, post.ID)
	}))
}

// submit sends the open form to the store; a refusal keeps the text.
func (p *discussionPane) submit() tea.Cmd {
	if p.busy {
		return nil
	}
	f, svc, n := p.form, p.c.Svc, p.number
	p.busy = true
	switch p.kind {
	case discNewThread:
		title, text := f.Value(0), f.Value(1)
		return collabDo(f, func() (string, error) {
			_, err := svc.StartThread(p.c.Ctx, n, title, text)
			return "started thread " + strconvQuote(title), err
		})
	case discPost:
		text := f.Value(0)
		th := p.formThread
		var reply domain.ID
		if p.formPost != nil {
			reply = p.formPost.ID
		}
		return collabDo(f, func() (string, error) {
			_, err := svc.PostMessage(p.c.Ctx, n, th.ID, reply, text)
			return "posted in " + strconvQuote(th.Title), err
		})
	default:
		text, post := f.Value(0), p.formPost
		return collabDo(f, func() (string, error) {
			return "edited " + post.AuthorName + "'s message", svc.EditMessage(p.c.Ctx, n, post.ID, text)
		})
	}
}

// excerptLine is the start of s on one line, for questions and lists.
func excerptLine(s string, n int) string {
	s = oneLine(s)
	if len([]rune(s)) > n {
		return string([]rune(s)[:n-1]) + "…"
	}
	return s
}

func (p *discussionPane) View() string {
	st := p.c.Styles
	if p.form != nil {
		v := p.form.View()
		if p.busy {
			v += "\n" + st.Dim.Render("saving…")
		}
		return v
	}
	if p.hidden {
		return hiddenLine(p.c, "discussion", domain.DiscussionView)
	}
	if p.err != nil {
		return st.Error.Render("✗ " + errText(p.err))
	}
	msgs := 0
	for _, th := range p.d.Threads {
		msgs += len(th.Posts)
	}
	head := plural(len(p.d.Threads), "thread") + ", " + plural(msgs, "message")
	if hints := p.keyHints(); hints != "" {
		head += " · " + hints
	}
	if len(p.items) == 0 {
		empty := "no discussion yet"
		if p.c.Access.Has(domain.DiscussionInitiate) {
			empty += ": n starts a thread"
		}
		return st.Dim.Render(head) + "\n" + st.Dim.Render(empty)
	}
	var lines []string
	start := make([]int, len(p.items))
	for i, it := range p.items {
		start[i] = len(lines)
		lines = append(lines, p.itemLines(it, i == p.cursor)...)
	}
	// keep the highlighted item's first line in view
	body := max(1, p.h-1)
	if start[p.cursor] < p.top {
		p.top = start[p.cursor]
	}
	end := len(lines)
	if p.cursor+1 < len(start) {
		end = start[p.cursor+1]
	}
	if end > p.top+body {
		p.top = max(start[p.cursor], end-body)
	}
	p.top = max(0, min(p.top, len(lines)-body))
	lines = lines[p.top:min(len(lines), p.top+body)]
	return st.Dim.Render(head) + "\n" + strings.Join(lines, "\n")
}

// keyHints names the discussion keys the actor may use here.
func (p *discussionPane) keyHints() string {
	a := &p.c.Access
	var out []string
	for _, h := range []struct {
		f    domain.Flag
		text string
	}{{domain.DiscussionInitiate, "n new thread"}, {domain.DiscussionPost, "r reply"},
		{domain.DiscussionEdit, "e edit"}, {domain.DiscussionDelete, "d delete"}} {
		if a.Has(h.f) {
			out = append(out, h.text)
		}
	}
	return strings.Join(out, " · ")
}

func (p *discussionPane) itemLines(it discItem, cur bool) []string {
	st := p.c.Styles
	mark := "  "
	if cur {
		mark = "▸ "
	}
	th := p.d.Threads[it.thread]
	if it.post == nil {
		head := fmt.Sprintf("# %s — %s, %s · %s", domain.Printable(th.Title), dash(th.AuthorName), p.c.stamp(th.Created), plural(len(th.Posts), "message"))
		head = ansi.Truncate(head, max(1, p.w-2), "…")
		if cur {
			return []string{mark + st.Cursor.Render(head)}
		}
		return []string{mark + st.Title.Render(head)}
	}
	ps := it.post
	indent := strings.Repeat("  ", 1+min(it.depth, 6))
	head := dash(ps.AuthorName) + " · " + p.c.stamp(ps.Created)
	if ps.ReplyTo != 0 {
		head += " · reply"
	}
	if !ps.Edited.IsZero() {
		head += " · edited " + p.c.stamp(ps.Edited)
	}
	if cur {
		head = st.Cursor.Render(head)
	} else {
		head = st.Dim.Render(head)
	}
	out := []string{mark + indent + head}
	width := max(10, p.w-len(indent)-2)
	for _, para := range strings.Split(domain.PrintableText(ps.Text), "\n") {
		wrapped := lipgloss.Wrap(para, width, "")
		for _, l := range strings.Split(wrapped, "\n") {
			out = append(out, "  "+indent+l)
		}
	}
	return out
}

func (p *discussionPane) SetSize(w, h int) {
	p.w, p.h = w, h
	if p.form != nil {
		p.form.SetSize(w, h)
	}
}

func (p *discussionPane) ShortHelp() []key.Binding {
	if p.form != nil {
		return p.form.ShortHelp()
	}
	if p.hidden {
		return nil
	}
	ck, a := p.c.Keys.Collab, &p.c.Access
	var out []key.Binding
	if a.Has(domain.DiscussionInitiate) {
		out = append(out, ck.NewThread)
	}
	if a.Has(domain.DiscussionPost) {
		out = append(out, ck.Reply)
	}
	if a.Has(domain.DiscussionEdit) {
		out = append(out, ck.EditPost)
	}
	if a.Has(domain.DiscussionDelete) {
		out = append(out, ck.DeletePost)
	}
	return out
}

func (p *discussionPane) FullHelp() [][]key.Binding { return nil }

// plural is "1 thread", "2 threads".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
