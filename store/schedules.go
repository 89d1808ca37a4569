package store

import (
	"context"
	"fmt"
	"sort"

	"gatehouse/domain"
)

func (w *txn) validateSchedule(t *domain.ScheduledTask) error {
	if err := domain.ValidateName("task title", t.Title); err != nil {
		return err
	}
	if err := domain.CheckText("task description", t.Description); err != nil {
		return err
	}
	if _, err := getBuilding(w.tx, t.Building); err != nil {
		return domain.Errorf(domain.EInvalid, "the task's building does not exist")
	}
	if t.ProblemType != "" {
		if _, ok := w.org.ProblemTypeNamed(t.ProblemType); !ok {
			return domain.Errorf(domain.EInvalid, "unknown problem type %q", t.ProblemType)
		}
	}
	if t.Priority != "" {
		if _, ok := w.org.HasPriority(t.Priority); !ok {
			return domain.Errorf(domain.EInvalid, "unknown priority %q", t.Priority)
		}
	}
	switch t.Every {
	case domain.Daily, domain.Weekly, domain.Monthly, domain.Yearly:
	default:
		return domain.Errorf(domain.EInvalid, "recurrence %q: use daily, weekly, monthly or yearly", t.Every)
	}
	if t.Interval < 1 || t.Interval > 1000 {
		return domain.Errorf(domain.EInvalid, "interval must be between 1 and 1000")
	}
	if t.NextRun.IsZero() {
		return domain.Errorf(domain.EInvalid, "the first run date is required")
	}
	return checkDate("first run date", t.NextRun)
}

func scheduleSummary(t *domain.ScheduledTask) string {
	return fmt.Sprintf("%s every %d %s next=%s enabled=%v", t.Title, t.Interval, t.Every, t.NextRun.Format("2006-01-02 15:04"), t.Enabled)
}

func (s *session) Schedules(ctx context.Context) ([]domain.ScheduledTask, error) {
	var out []domain.ScheduledTask
	err := s.read(func(r *txn) error {
		if err := r.acc.RequireLevel(domain.ModSchedules, domain.LevelView); err != nil {
			return err
		}
		return r.tx.Bucket(bSchedules).ForEach(func(k, v []byte) error {
			var t domain.ScheduledTask
			if decJSON(v, &t) == nil {
				out = append(out, t)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].NextRun.Before(out[j].NextRun) })
	return out, err
}

func (s *session) CreateSchedule(ctx context.Context, t domain.ScheduledTask) (domain.ScheduledTask, error) {
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModSchedules, domain.LevelEdit); err != nil {
			return err
		}
		if err := w.validateSchedule(&t); err != nil {
			return err
		}
		id, err := kvSeq(w.tx.Bucket(bSchedules))
		if err != nil {
			return err
		}
		t.ID = id
		w.created(&t.Rev)
		if err := putJSON(w.tx, bSchedules, id, t); err != nil {
			return err
		}
		return w.audit("schedule", id, t.Title, "create", "", scheduleSummary(&t))
	})
	return t, err
}

func (s *session) UpdateSchedule(ctx context.Context, id domain.ID, p domain.SchedulePatch) (domain.ScheduledTask, error) {
	var t domain.ScheduledTask
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModSchedules, domain.LevelEdit); err != nil {
			return err
		}
		var before domain.ScheduledTask
		found, err := getJSON(w.tx, bSchedules, id, &before)
		if err != nil {
			return err
		}
		if !found {
			return domain.Errorf(domain.ENotFound, "scheduled task #%d not found", id)
		}
		if err := w.expect("schedule", before.Title, before.Rev); err != nil {
			return err
		}
		t = p.Apply(before)
		changes, err := w.revise("schedule", before.Title, id, &t.Rev, p.Base,
			domain.ScheduleFields(&before, w.names), domain.ScheduleFields(&t, w.names))
		if err != nil || len(changes) == 0 {
			w.audited = w.audited || err == nil // nothing changed: nothing to write
			t = before
			return err
		}
		if err := w.validateSchedule(&t); err != nil {
			return err
		}
		if err := putJSON(w.tx, bSchedules, id, t); err != nil {
			return err
		}
		return w.auditChanges("schedule", id, t.Title, "update", changes)
	})
	return t, err
}

func (s *session) DeleteSchedule(ctx context.Context, id domain.ID) error {
	return s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModSchedules, domain.LevelEdit); err != nil {
			return err
		}
		var t domain.ScheduledTask
		found, err := getJSON(w.tx, bSchedules, id, &t)
		if err != nil {
			return err
		}
		if !found {
			return domain.Errorf(domain.ENotFound, "scheduled task #%d not found", id)
		}
		if err := w.expect("schedule", t.Title, t.Rev); err != nil {
			return err
		}
		if err := dropFieldRevs(w.tx, "schedule", id); err != nil {
			return err
		}
		if err := kvDel(w.tx.Bucket(bSchedules), itob(id)); err != nil {
			return err
		}
		return w.audit("schedule", id, t.Title, "delete", scheduleSummary(&t), "")
	})
}
