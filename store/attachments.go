package store

import (
	"context"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"gatehouse/domain"
)

// detectMIME sniffs the content and falls back to the file name's
// extension when the content says nothing specific.
func detectMIME(name string, data []byte) string {
	m := http.DetectContentType(data)
	if m == "application/octet-stream" || strings.HasPrefix(m, "text/plain") {
		if byExt := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); byExt != "" {
			return byExt
		}
	}
	return m
}

func validateAttachmentName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return domain.Errorf(domain.EInvalid, "attachment name is required")
	case name != filepath.Base(name) || strings.ContainsAny(name, `/\`) || name == "." || name == "..":
		return domain.Errorf(domain.EInvalid, "attachment name %q must be a plain file name", name)
	case len(name) > 255 || !utf8.ValidString(name):
		return domain.Errorf(domain.EInvalid, "attachment name is longer than 255 bytes or not UTF-8")
	}
	return domain.CheckLine("attachment name", name)
}

func (s *session) Attachments(ctx context.Context, number domain.TicketNumber) ([]domain.Attachment, error) {
	var out []domain.Attachment
	err := s.read(func(r *txn) error {
		if _, err := r.visibleTicket(number); err != nil {
			return err
		}
		if err := r.acc.Require(domain.AttachView); err != nil {
			return err
		}
		return prefixKeys(r.tx, bAttach, itob(uint64(number)), func(k []byte) error {
			var a domain.Attachment
			if decJSON(r.tx.Bucket(bAttach).Get(k), &a) == nil {
				out = append(out, a)
			}
			return nil
		})
	})
	return out, err
}

// Attach stores a file with a ticket. Edit Attachments allows it on any
// visible ticket; Add Attachments via Add Page only while reporting, i.e.
// on a ticket the actor reported that is still new.
func (s *session) Attach(ctx context.Context, number domain.TicketNumber, name string, data []byte) (domain.Attachment, error) {
	var a domain.Attachment
	err := s.write(ctx, func(w *txn) error {
		t, err := w.visibleTicket(number)
		if err != nil {
			return err
		}
		if !w.acc.Has(domain.AttachEdit) {
			if !w.acc.Has(domain.TicketAttach) {
				return w.acc.Require(domain.AttachEdit)
			}
			if t.Reporter != w.actor.ID || t.Status != domain.StatusNew {
				return domain.Errorf(domain.EForbidden, "%s may attach files only to new tickets they reported (Add Attachments via Add Page); later additions need Edit Attachments (attach.edit)", w.actor.Username)
			}
		}
		a, err = w.attach(&t, name, data)
		return err
	})
	return a, err
}

// attach stores one file on a ticket with its history and audit; the
// caller has checked the actor may.
func (w *txn) attach(t *domain.Ticket, name string, data []byte) (domain.Attachment, error) {
	number := t.Number
	if err := validateAttachmentName(name); err != nil {
		return domain.Attachment{}, err
	}
	if len(data) > domain.MaxAttachment {
		return domain.Attachment{}, domain.Errorf(domain.EInvalid, "%s is %.1f MiB: attachments are limited to %d MiB", name, float64(len(data))/(1<<20), domain.MaxAttachment>>20)
	}
	id, err := kvSeq(w.tx.Bucket(bAttach))
	if err != nil {
		return domain.Attachment{}, err
	}
	a := domain.Attachment{ID: id, Ticket: number, Name: name, MIME: detectMIME(name, data), Size: int64(len(data)),
		Author: w.actor.ID, Created: w.now}
	if err := putJSONKey(w, bAttach, key(uint64(number), id), a); err != nil {
		return a, err
	}
	if err := putAttachData(w.tx, id, data); err != nil {
		return a, err
	}
	if err := w.history(t, "attach", name, ""); err != nil {
		return a, err
	}
	return a, w.audit("ticket", domain.ID(number), w.org.FormatTicket(number), "attach", "", name+" ("+a.MIME+")")
}

func (s *session) AttachmentData(ctx context.Context, number domain.TicketNumber, id domain.ID) (domain.Attachment, []byte, error) {
	var a domain.Attachment
	var data []byte
	err := s.read(func(r *txn) error {
		if _, err := r.visibleTicket(number); err != nil {
			return err
		}
		if err := r.acc.Require(domain.AttachView); err != nil {
			return err
		}
		b := r.tx.Bucket(bAttach).Get(key(uint64(number), id))
		if b == nil || decJSON(b, &a) != nil {
			return domain.Errorf(domain.ENotFound, "attachment %d not found on %s", id, r.org.FormatTicket(number))
		}
		data = attachData(r.tx, id)
		return nil
	})
	return a, data, err
}

func (s *session) DeleteAttachment(ctx context.Context, number domain.TicketNumber, id domain.ID) error {
	return s.write(ctx, func(w *txn) error {
		t, err := w.visibleTicket(number)
		if err != nil {
			return err
		}
		if err := w.acc.Require(domain.AttachEdit); err != nil {
			return err
		}
		var a domain.Attachment
		b := w.tx.Bucket(bAttach).Get(key(uint64(number), id))
		if b == nil || decJSON(b, &a) != nil {
			return domain.Errorf(domain.ENotFound, "attachment %d not found on %s", id, w.org.FormatTicket(number))
		}
		if err := kvDel(w.tx.Bucket(bAttach), key(uint64(number), id)); err != nil {
			return err
		}
		if err := delAttachData(w.tx, id); err != nil {
			return err
		}
		if err := w.history(&t, "attachment delete", a.Name, ""); err != nil {
			return err
		}
		return w.audit("ticket", domain.ID(number), w.org.FormatTicket(number), "attachment delete", a.Name, "")
	})
}
