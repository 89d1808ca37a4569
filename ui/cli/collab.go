package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gatehouse/domain"
	"gatehouse/internal/safefile"
)

func collabCommands() []*command {
	return []*command{
		{path: "ticket thread", args: "N", opts: "--title T [--text T]", min: 1, max: 1,
			flags: []flagSpec{{"title", true}, {"text", true}}, required: []string{"title"}, run: ticketThread},
		{path: "ticket post", args: "N", opts: "--thread ID --text T [--reply-to ID]", min: 1, max: 1,
			flags: []flagSpec{{"thread", true}, {"text", true}, {"reply-to", true}}, required: []string{"thread", "text"}, run: ticketPost},
		{path: "ticket messages", args: "N", min: 1, max: 1, run: ticketMessages},
		{path: "ticket attach", args: "N FILE", min: 2, max: 2, run: ticketAttach},
		{path: "ticket attachments", args: "N", min: 1, max: 1, run: ticketAttachments},
		{path: "ticket save", args: "N NAME", opts: "--out PATH", min: 2, max: 2,
			flags: []flagSpec{{"out", true}}, required: []string{"out"}, run: ticketSave},
	}
}

func idFlag(name, v string) (domain.ID, error) {
	id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil || id == 0 {
		return 0, domain.Errorf(domain.EInvalid, "--%s %q: a number from `gatehouse ticket messages`", name, v)
	}
	return id, nil
}

func ticketThread(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	th, err := c.svc.StartThread(c.ctx, n, c.args.str("title"), c.args.str("text"))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(map[string]any{"thread": th.ID, "title": th.Title, "ticket": c.ticketLabel(n)})
	}
	return c.result("started thread %d %q on %s", th.ID, th.Title, c.ticketLabel(n))
}

func ticketPost(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	thread, err := idFlag("thread", c.args.str("thread"))
	if err != nil {
		return err
	}
	var reply domain.ID
	if c.args.has("reply-to") {
		if reply, err = idFlag("reply-to", c.args.str("reply-to")); err != nil {
			return err
		}
	}
	p, err := c.svc.PostMessage(c.ctx, n, thread, reply, c.args.str("text"))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(map[string]any{"message": p.ID, "thread": p.Thread, "ticket": c.ticketLabel(n)})
	}
	return c.result("posted message %d in thread %d on %s", p.ID, p.Thread, c.ticketLabel(n))
}

type postJSON struct {
	ID      uint64 `json:"id"`
	Author  string `json:"author"`
	ReplyTo uint64 `json:"reply_to,omitempty"`
	Text    string `json:"text"`
	Created string `json:"created"`
	Edited  string `json:"edited,omitempty"`
}

type threadJSON struct {
	ID       uint64     `json:"id"`
	Title    string     `json:"title"`
	Author   string     `json:"author"`
	Created  string     `json:"created"`
	Messages []postJSON `json:"messages"`
}

func ticketMessages(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	d, err := c.svc.Discussion(c.ctx, n)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := make([]threadJSON, 0, len(d.Threads))
		for _, th := range d.Threads {
			tj := threadJSON{ID: th.ID, Title: th.Title, Author: th.AuthorName, Created: jsonTime(th.Created), Messages: []postJSON{}}
			for _, p := range th.Posts {
				tj.Messages = append(tj.Messages, postJSON{ID: p.ID, Author: p.AuthorName, ReplyTo: p.ReplyTo, Text: p.Text,
					Created: jsonTime(p.Created), Edited: jsonTime(p.Edited)})
			}
			out = append(out, tj)
		}
		return c.json(out)
	}
	if len(d.Threads) == 0 {
		return c.result("%s has no discussion yet", c.ticketLabel(n))
	}
	var b strings.Builder
	for _, th := range d.Threads {
		fmt.Fprintf(&b, "thread %d: %s (started by %s, %s)\n", th.ID, th.Title, th.AuthorName, c.stamp(th.Created))
		for _, p := range th.Posts {
			reply := ""
			if p.ReplyTo != 0 {
				reply = fmt.Sprintf(" in reply to %d", p.ReplyTo)
			}
			edited := ""
			if !p.Edited.IsZero() {
				edited = " (edited)"
			}
			fmt.Fprintf(&b, "  [%d] %s, %s%s%s:\n", p.ID, p.AuthorName, c.stamp(p.Created), reply, edited)
			for _, line := range strings.Split(p.Text, "\n") {
				fmt.Fprintf(&b, "      %s\n", line)
			}
		}
	}
	_, err = io.WriteString(c.out, b.String())
	return err
}

func ticketAttach(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	path := c.pos(1)
	st, err := os.Stat(path)
	if err != nil {
		return domain.Errorf(domain.EInvalid, "cannot read %s: %v", path, err)
	}
	if st.IsDir() {
		return domain.Errorf(domain.EInvalid, "%s is a directory, not a file", path)
	}
	// a device or pipe has no size to check and may never end (/dev/zero)
	if !st.Mode().IsRegular() {
		return domain.Errorf(domain.EInvalid, "%s is not a regular file (a device, pipe or socket): attach a file", path)
	}
	tooBig := func(size int64) error {
		return domain.Errorf(domain.EInvalid, "%s is %.1f MiB: attachments are limited to %d MiB", path, float64(size)/(1<<20), domain.MaxAttachment>>20)
	}
	if st.Size() > domain.MaxAttachment {
		return tooBig(st.Size())
	}
	f, err := os.Open(path)
	if err != nil {
		return domain.Errorf(domain.EInvalid, "cannot read %s: %v", path, err)
	}
	// at most one byte past the limit, even if the file grows after Stat
	data, err := io.ReadAll(io.LimitReader(f, domain.MaxAttachment+1))
	_ = f.Close() // opened for reading only
	if err != nil {
		return domain.Errorf(domain.EInvalid, "cannot read %s: %v", path, err)
	}
	if len(data) > domain.MaxAttachment {
		return tooBig(int64(len(data)))
	}
	a, err := c.svc.Attach(c.ctx, n, filepath.Base(path), data)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(attachmentJSON(a))
	}
	return c.result("attached %s (%s, %d bytes) to %s as attachment %d", a.Name, a.MIME, a.Size, c.ticketLabel(n), a.ID)
}

type attachJSON struct {
	ID      uint64 `json:"id"`
	Name    string `json:"name"`
	MIME    string `json:"mime"`
	Size    int64  `json:"size"`
	Created string `json:"created"`
}

func attachmentJSON(a domain.Attachment) attachJSON {
	return attachJSON{ID: a.ID, Name: a.Name, MIME: a.MIME, Size: a.Size, Created: jsonTime(a.Created)}
}

func ticketAttachments(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	list, err := c.svc.Attachments(c.ctx, n)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := make([]attachJSON, 0, len(list))
		for _, a := range list {
			out = append(out, attachmentJSON(a))
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(list))
	for _, a := range list {
		rows = append(rows, []string{strconv.FormatUint(a.ID, 10), a.Name, a.MIME, strconv.FormatInt(a.Size, 10), c.stamp(a.Created)})
	}
	return c.table([]string{"ID", "NAME", "TYPE", "BYTES", "ADDED"}, rows)
}

// ticketSave writes an attachment, named by id or by name, to --out; an
// existing file is never overwritten.
func ticketSave(c *call) error {
	n, err := c.ticketArg(c.pos(0))
	if err != nil {
		return err
	}
	list, err := c.svc.Attachments(c.ctx, n)
	if err != nil {
		return err
	}
	want := c.pos(1)
	var id domain.ID
	for _, a := range list {
		if strconv.FormatUint(a.ID, 10) == want || a.Name == want {
			if id != 0 {
				return domain.Errorf(domain.EInvalid, "%s has several attachments named %q: name one by its id", c.ticketLabel(n), want)
			}
			id = a.ID
		}
	}
	if id == 0 {
		return domain.Errorf(domain.ENotFound, "%s has no attachment %q (see `gatehouse ticket attachments %s`)", c.ticketLabel(n), want, c.pos(0))
	}
	a, data, err := c.svc.AttachmentData(c.ctx, n, id)
	if err != nil {
		return err
	}
	out := c.args.str("out")
	if err := safefile.WriteNew(out, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return err
	}
	return c.result("saved %s (%d bytes) to %s", a.Name, len(data), out)
}
