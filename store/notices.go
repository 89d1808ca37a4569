package store

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"gatehouse/domain"
)

func validateNotice(w *txn, n *domain.Notice) error {
	if err := domain.ValidateName("notice title", n.Title); err != nil {
		return err
	}
	if err := domain.CheckLine("URL", n.URL); err != nil {
		return err
	}
	if err := domain.ValidateURL(n.URL); err != nil {
		return err
	}
	if err := domain.CheckLine("URL title", n.URLTitle); err != nil {
		return err
	}
	if err := domain.CheckText("notice description", n.Description); err != nil {
		return err
	}
	if n.URLTitle != "" && n.URL == "" {
		return domain.Errorf(domain.EInvalid, "a URL title needs a URL")
	}
	if n.Start.IsZero() || n.End.IsZero() {
		return domain.Errorf(domain.EInvalid, "a notice needs a start and an end date")
	}
	if err := checkDate("start date", n.Start); err != nil {
		return err
	}
	if err := checkDate("end date", n.End); err != nil {
		return err
	}
	if n.End.Before(n.Start) {
		return domain.Errorf(domain.EInvalid, "the end date %s is before the start date %s", n.End.Format("2006-01-02"), n.Start.Format("2006-01-02"))
	}
	if len(n.Teams) == 0 {
		return domain.Errorf(domain.EInvalid, "a notice needs at least one team")
	}
	for _, t := range n.Teams {
		if _, err := getTeam(w.tx, t); err != nil {
			return err
		}
	}
	return nil
}

func (s *session) Notices(ctx context.Context, search string) ([]domain.Notice, error) {
	var out []domain.Notice
	err := s.read(func(r *txn) error {
		if err := r.acc.RequireLevel(domain.ModNotices, domain.LevelView); err != nil {
			return err
		}
		return r.tx.Bucket(bNotices).ForEach(func(k, v []byte) error {
			var n domain.Notice
			if decJSON(v, &n) == nil && domain.Match(search, n.Title) {
				out = append(out, n)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, err
}

// MyNotices are the visible notices of the actor's teams that are running
// at now (R16); the end date is inclusive.
func (s *session) MyNotices(ctx context.Context, now time.Time) ([]domain.Notice, error) {
	var out []domain.Notice
	err := s.read(func(r *txn) error {
		return r.tx.Bucket(bNotices).ForEach(func(k, v []byte) error {
			var n domain.Notice
			if decJSON(v, &n) != nil || !n.Visible || now.Before(n.Start) || !now.Before(n.End.AddDate(0, 0, 1)) {
				return nil
			}
			if slices.ContainsFunc(n.Teams, func(t domain.ID) bool { return slices.Contains(r.acc.Teams, t) }) {
				out = append(out, n)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, err
}

func noticeSummary(n *domain.Notice) string {
	return strings.TrimSpace(n.Title + " " + n.Start.Format("2006-01-02") + ".." + n.End.Format("2006-01-02") + " " + n.URL)
}

func (s *session) CreateNotice(ctx context.Context, n domain.Notice) (domain.Notice, error) {
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModNotices, domain.LevelEdit); err != nil {
			return err
		}
		if err := validateNotice(w, &n); err != nil {
			return err
		}
		id, err := kvSeq(w.tx.Bucket(bNotices))
		if err != nil {
			return err
		}
		n.ID = id
		w.created(&n.Rev)
		if err := putJSON(w.tx, bNotices, id, n); err != nil {
			return err
		}
		return w.audit("notice", id, n.Title, "create", "", noticeSummary(&n))
	})
	return n, err
}

func (s *session) UpdateNotice(ctx context.Context, id domain.ID, p domain.NoticePatch) (domain.Notice, error) {
	var n domain.Notice
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModNotices, domain.LevelEdit); err != nil {
			return err
		}
		var before domain.Notice
		found, err := getJSON(w.tx, bNotices, id, &before)
		if err != nil {
			return err
		}
		if !found {
			return domain.Errorf(domain.ENotFound, "notice #%d not found", id)
		}
		if err := w.expect("notice", before.Title, before.Rev); err != nil {
			return err
		}
		n = p.Apply(before)
		changes, err := w.revise("notice", before.Title, id, &n.Rev, p.Base,
			domain.NoticeFields(&before, w.names), domain.NoticeFields(&n, w.names))
		if err != nil || len(changes) == 0 {
			w.audited = w.audited || err == nil // nothing changed: nothing to write
			n = before
			return err
		}
		if err := validateNotice(w, &n); err != nil {
			return err
		}
		if err := putJSON(w.tx, bNotices, id, n); err != nil {
			return err
		}
		return w.auditChanges("notice", id, n.Title, "update", changes)
	})
	return n, err
}

func (s *session) DeleteNotice(ctx context.Context, id domain.ID) error {
	return s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModNotices, domain.LevelEdit); err != nil {
			return err
		}
		var n domain.Notice
		found, err := getJSON(w.tx, bNotices, id, &n)
		if err != nil {
			return err
		}
		if !found {
			return domain.Errorf(domain.ENotFound, "notice #%d not found", id)
		}
		if err := w.expect("notice", n.Title, n.Rev); err != nil {
			return err
		}
		if err := dropFieldRevs(w.tx, "notice", id); err != nil {
			return err
		}
		if err := kvDel(w.tx.Bucket(bNotices), itob(id)); err != nil {
			return err
		}
		return w.audit("notice", id, n.Title, "delete", noticeSummary(&n), "")
	})
}
