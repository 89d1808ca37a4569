package store

import (
	"context"
	"strings"

	"gatehouse/domain"
)

// visibleTicket loads a ticket the actor may see, or "not found" (R11).
func (r *txn) visibleTicket(number domain.TicketNumber) (domain.Ticket, error) {
	t, ok, err := getTicket(r.tx, number)
	if err != nil {
		return t, err
	}
	if !ok || !r.acc.CanSeeTicket(&t) {
		return t, domain.NotFoundTicket(&r.org, number)
	}
	// a write on the ticket (a message, an attachment, its alerts) names it
	return t, r.expect("ticket", r.org.FormatTicket(number), t.Rev)
}

func validateText(field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return domain.Errorf(domain.EInvalid, "%s is required", field)
	}
	if len(s) > max {
		return domain.Errorf(domain.EInvalid, "%s is longer than %d characters", field, max)
	}
	return domain.CheckText(field, s)
}

func (s *session) Discussion(ctx context.Context, number domain.TicketNumber) (domain.Discussion, error) {
	var d domain.Discussion
	err := s.read(func(r *txn) error {
		if _, err := r.visibleTicket(number); err != nil {
			return err
		}
		if err := r.acc.Require(domain.DiscussionView); err != nil {
			return err
		}
		nm := &names{w: r, users: map[domain.ID]string{}, blds: map[domain.ID]string{}}
		idx := map[domain.ID]int{}
		if err := prefixKeys(r.tx, bThreads, itob(uint64(number)), func(k []byte) error {
			var th domain.Thread
			if decJSON(r.tx.Bucket(bThreads).Get(k), &th) == nil {
				idx[th.ID] = len(d.Threads)
				d.Threads = append(d.Threads, domain.ThreadView{Thread: th, AuthorName: nm.user(th.Author)})
			}
			return nil
		}); err != nil {
			return err
		}
		if err := prefixKeys(r.tx, bPosts, itob(uint64(number)), func(k []byte) error {
			var p domain.Post
			if decJSON(r.tx.Bucket(bPosts).Get(k), &p) == nil {
				if i, ok := idx[p.Thread]; ok {
					d.Threads[i].Posts = append(d.Threads[i].Posts, domain.PostView{Post: p, AuthorName: nm.user(p.Author)})
				}
			}
			return nil
		}); err != nil {
			return err
		}
		return nil
	})
	return d, err
}

// discuss runs a discussion write on a visible ticket with the flag it needs.
func (s *session) discuss(ctx context.Context, number domain.TicketNumber, f domain.Flag, fn func(w *txn, t *domain.Ticket) error) error {
	return s.write(ctx, func(w *txn) error {
		t, err := w.visibleTicket(number)
		if err != nil {
			return err
		}
		if err := w.acc.Require(f); err != nil {
			return err
		}
		return fn(w, &t)
	})
}

func (s *session) StartThread(ctx context.Context, number domain.TicketNumber, title, text string) (domain.Thread, error) {
	var th domain.Thread
	err := s.discuss(ctx, number, domain.DiscussionInitiate, func(w *txn, t *domain.Ticket) error {
		if err := validateText("thread title", title, 200); err != nil {
			return err
		}
		if err := domain.CheckLine("thread title", title); err != nil {
			return err
		}
		id, err := kvSeq(w.tx.Bucket(bThreads))
		if err != nil {
			return err
		}
		th = domain.Thread{ID: id, Ticket: number, Title: strings.TrimSpace(title), Author: w.actor.ID, Created: w.now}
		if err := putJSONKey(w, bThreads, key(uint64(number), id), th); err != nil {
			return err
		}
		if strings.TrimSpace(text) != "" {
			if _, err := w.addPost(number, id, 0, text); err != nil {
				return err
			}
		}
		return w.audit("ticket", domain.ID(number), w.org.FormatTicket(number), "thread start", "", th.Title)
	})
	return th, err
}

func putJSONKey(w *txn, bucket, k []byte, v any) error {
	b, err := encJSON(v)
	if err != nil {
		return err
	}
	return kvPut(w.tx.Bucket(bucket), k, b)
}

func (w *txn) addPost(number domain.TicketNumber, thread, replyTo domain.ID, text string) (domain.Post, error) {
	if err := validateText("message", text, 20000); err != nil {
		return domain.Post{}, err
	}
	if w.tx.Bucket(bThreads).Get(key(uint64(number), thread)) == nil {
		return domain.Post{}, domain.Errorf(domain.ENotFound, "thread %d not found on %s", thread, w.org.FormatTicket(number))
	}
	if replyTo != 0 {
		var p domain.Post
		if !getPost(w, number, replyTo, &p) || p.Thread != thread {
			return domain.Post{}, domain.Errorf(domain.ENotFound, "message %d not found in thread %d", replyTo, thread)
		}
	}
	id, err := kvSeq(w.tx.Bucket(bPosts))
	if err != nil {
		return domain.Post{}, err
	}
	p := domain.Post{ID: id, Thread: thread, Ticket: number, Author: w.actor.ID, ReplyTo: replyTo, Text: text, Created: w.now}
	return p, putJSONKey(w, bPosts, key(uint64(number), id), p)
}

func getPost(w *txn, number domain.TicketNumber, id domain.ID, p *domain.Post) bool {
	b := w.tx.Bucket(bPosts).Get(key(uint64(number), id))
	return b != nil && decJSON(b, p) == nil
}

func (s *session) PostMessage(ctx context.Context, number domain.TicketNumber, thread, replyTo domain.ID, text string) (domain.Post, error) {
	var p domain.Post
	err := s.discuss(ctx, number, domain.DiscussionPost, func(w *txn, t *domain.Ticket) error {
		var err error
		if p, err = w.addPost(number, thread, replyTo, text); err != nil {
			return err
		}
		return w.audit("ticket", domain.ID(number), w.org.FormatTicket(number), "post", "", excerpt(text))
	})
	return p, err
}

func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

func (s *session) EditMessage(ctx context.Context, number domain.TicketNumber, post domain.ID, text string) error {
	return s.discuss(ctx, number, domain.DiscussionEdit, func(w *txn, t *domain.Ticket) error {
		var p domain.Post
		if !getPost(w, number, post, &p) {
			return domain.Errorf(domain.ENotFound, "message %d not found on %s", post, w.org.FormatTicket(number))
		}
		if err := validateText("message", text, 20000); err != nil {
			return err
		}
		before := p.Text
		p.Text, p.Edited = text, w.now
		if err := putJSONKey(w, bPosts, key(uint64(number), post), p); err != nil {
			return err
		}
		return w.audit("ticket", domain.ID(number), w.org.FormatTicket(number), "post edit", excerpt(before), excerpt(text))
	})
}

func (s *session) DeleteMessage(ctx context.Context, number domain.TicketNumber, post domain.ID) error {
	return s.discuss(ctx, number, domain.DiscussionDelete, func(w *txn, t *domain.Ticket) error {
		var p domain.Post
		if !getPost(w, number, post, &p) {
			return domain.Errorf(domain.ENotFound, "message %d not found on %s", post, w.org.FormatTicket(number))
		}
		if err := kvDel(w.tx.Bucket(bPosts), key(uint64(number), post)); err != nil {
			return err
		}
		return w.audit("ticket", domain.ID(number), w.org.FormatTicket(number), "post delete", excerpt(p.Text), "")
	})
}

func (s *session) DeleteThread(ctx context.Context, number domain.TicketNumber, thread domain.ID) error {
	return s.discuss(ctx, number, domain.DiscussionDelete, func(w *txn, t *domain.Ticket) error {
		var th domain.Thread
		b := w.tx.Bucket(bThreads).Get(key(uint64(number), thread))
		if b == nil || decJSON(b, &th) != nil {
			return domain.Errorf(domain.ENotFound, "thread %d not found on %s", thread, w.org.FormatTicket(number))
		}
		var dead [][]byte
		if err := prefixKeys(w.tx, bPosts, itob(uint64(number)), func(k []byte) error {
			var p domain.Post
			if decJSON(w.tx.Bucket(bPosts).Get(k), &p) == nil && p.Thread == thread {
				dead = append(dead, append([]byte(nil), k...))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range dead {
			if err := kvDel(w.tx.Bucket(bPosts), k); err != nil {
				return err
			}
		}
		if err := kvDel(w.tx.Bucket(bThreads), key(uint64(number), thread)); err != nil {
			return err
		}
		return w.audit("ticket", domain.ID(number), w.org.FormatTicket(number), "thread delete", th.Title, "")
	})
}
