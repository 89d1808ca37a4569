package store

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"gatehouse/domain"
)

const week = 7 * 24 * time.Hour

// Metrics counts the tickets the actor may see (R11) created in the range.
func (s *session) Metrics(ctx context.Context, q domain.MetricsQuery) (domain.Metrics, error) {
	var m domain.Metrics
	err := s.read(func(r *txn) error {
		if err := r.acc.Require(domain.MetricsRun); err != nil {
			if r.acc.Has(domain.MetricsHomeOnly) {
				return domain.Errorf(domain.EForbidden, "%s has Home Page Only: their groups' saved charts are on the Home screen", r.actor.Username)
			}
			return err
		}
		var err error
		m, err = r.metrics(ctx, q)
		return err
	})
	return m, err
}

func (r *txn) metrics(ctx context.Context, q domain.MetricsQuery) (domain.Metrics, error) {
	var m domain.Metrics
	if q.To.IsZero() {
		q.To = r.now
	}
	if q.From.IsZero() || !q.From.Before(q.To) {
		q.From = q.To.AddDate(0, 0, -90)
	}
	if q.To.Sub(q.From) > 2*365*24*time.Hour {
		return m, domain.Errorf(domain.EInvalid, "the date range is longer than two years")
	}
	var bld domain.ID
	if q.Building != "" {
		b, err := buildingByCode(r.tx, q.Building)
		if err != nil {
			return m, err
		}
		bld = b.ID
	}
	nm := &names{w: r, users: map[domain.ID]string{}, blds: map[domain.ID]string{}}
	policies := overduePolicies(r.tx)
	start := q.From.Truncate(24 * time.Hour)
	weeks := int(q.To.Sub(start)/week) + 1
	created, closed, sumDays, nClosed, overdue := make([]float64, weeks), make([]float64, weeks), make([]float64, weeks), make([]float64, weeks), make([]float64, weeks)
	byB, byT, byP := map[string]*domain.Count{}, map[string]*domain.Count{}, map[string]*domain.Count{}
	bump := func(mp map[string]*domain.Count, label string, open bool) {
		c := mp[label]
		if c == nil {
			c = &domain.Count{Label: label}
			mp[label] = c
		}
		if open {
			c.Open++
		} else {
			c.Closed++
		}
	}
	seen := 0
	err := r.tx.Bucket(bTickets).ForEach(func(k, v []byte) error {
		if seen&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		seen++
		var t domain.Ticket
		if decTicket(v, &t) != nil || t.Created.Before(q.From) || !t.Created.Before(q.To) {
			return nil
		}
		if bld != 0 && t.Building != bld || q.Type != "" && !strings.EqualFold(t.ProblemType, q.Type) || !r.acc.CanSeeTicket(&t) {
			return nil
		}
		m.Total++
		open := t.Status.Open()
		bump(byB, nm.building(t.Building), open)
		tech := nm.user(t.Assignee)
		if tech == "" {
			tech = "(unassigned)"
		}
		bump(byT, tech, open)
		pt := t.ProblemType
		if pt == "" {
			pt = "(none)"
		}
		bump(byP, pt, open)
		if i := int(t.Created.Sub(start) / week); i >= 0 && i < weeks {
			created[i]++
		}
		if !open && !t.Closed.IsZero() {
			if i := int(t.Closed.Sub(start) / week); i >= 0 && i < weeks {
				closed[i]++
				sumDays[i] += t.Closed.Sub(t.Created).Hours() / 24
				nClosed[i]++
			}
		}
		// overdue at the end of each week while it was open then
		for i := range weeks {
			end := start.Add(time.Duration(i+1) * week)
			if end.After(q.To) {
				end = q.To
			}
			if t.Created.After(end) || !t.Closed.IsZero() && t.Closed.Before(end) {
				continue
			}
			at := t
			at.Status = domain.StatusAssigned // open at that moment
			if domain.OverdueLevel(&at, policies, end) > 0 {
				overdue[i]++
			}
		}
		return nil
	})
	series := func(vals []float64) []domain.Point {
		out := make([]domain.Point, weeks)
		for i := range out {
			out[i] = domain.Point{Start: start.Add(time.Duration(i) * week), Value: vals[i]}
		}
		return out
	}
	avg := make([]float64, weeks)
	for i := range avg {
		if nClosed[i] > 0 {
			avg[i] = sumDays[i] / nClosed[i]
		}
	}
	m.Created, m.Closed, m.DaysToClose, m.Overdue = series(created), series(closed), series(avg), series(overdue)
	m.ByBuilding, m.ByTechnician, m.ByType = counts(byB), counts(byT), counts(byP)
	return m, err
}

// counts orders bars by total, largest first, then by label.
func counts(mp map[string]*domain.Count) []domain.Count {
	out := make([]domain.Count, 0, len(mp))
	for _, c := range mp {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		ti, tj := out[i].Open+out[i].Closed, out[j].Open+out[j].Closed
		if ti != tj {
			return ti > tj
		}
		return out[i].Label < out[j].Label
	})
	return out
}

func (s *session) Charts(ctx context.Context) ([]domain.Chart, []domain.Layout, error) {
	var charts []domain.Chart
	var layouts []domain.Layout
	err := s.read(func(r *txn) error {
		if err := r.tx.Bucket(bCharts).ForEach(func(k, v []byte) error {
			var c domain.Chart
			if decJSON(v, &c) == nil && slices.Contains(r.acc.Groups, c.Group) {
				charts = append(charts, c)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, g := range r.acc.Groups {
			var l domain.Layout
			found, err := getJSON(r.tx, bLayouts, g, &l)
			if err != nil {
				return err
			}
			if found {
				layouts = append(layouts, l)
			}
		}
		return nil
	})
	sort.Slice(charts, func(i, j int) bool { return charts[i].Name < charts[j].Name })
	return charts, layouts, err
}

func (s *session) ChartData(ctx context.Context, id domain.ID) (domain.Metrics, error) {
	var m domain.Metrics
	err := s.read(func(r *txn) error {
		if !r.acc.Has(domain.MetricsRun) && !r.acc.Has(domain.MetricsHomeOnly) {
			return r.acc.Require(domain.MetricsRun)
		}
		var c domain.Chart
		found, err := getJSON(r.tx, bCharts, id, &c)
		if err != nil {
			return err
		}
		if !found || !slices.Contains(r.acc.Groups, c.Group) {
			return domain.Errorf(domain.ENotFound, "chart %d not found", id)
		}
		m, err = r.metrics(ctx, domain.MetricsQuery{From: r.now.AddDate(0, 0, -max(c.Days, 1)), To: r.now, Building: c.Building, Type: c.Type})
		return err
	})
	return m, err
}

// groupForCharts resolves a group the actor is in and checks the flag.
func (w *txn) groupForCharts(name string, f domain.Flag) (domain.Group, error) {
	if err := w.acc.Require(f); err != nil {
		return domain.Group{}, err
	}
	g, err := groupByName(w.tx, name)
	if err != nil {
		return g, err
	}
	if !slices.Contains(w.acc.Groups, g.ID) {
		return g, domain.Errorf(domain.EForbidden, "%s may save charts only for groups they are in (not %s)", w.actor.Username, g.Name)
	}
	return g, nil
}

func (s *session) SaveChart(ctx context.Context, group string, c domain.Chart) (domain.Chart, error) {
	err := s.write(ctx, func(w *txn) error {
		g, err := w.groupForCharts(group, domain.MetricsSaveCharts)
		if err != nil {
			return err
		}
		if err := domain.ValidateName("chart name", c.Name); err != nil {
			return err
		}
		if !slices.Contains(domain.ChartKinds, c.Kind) {
			return domain.Errorf(domain.EInvalid, "chart kind %q: use %s", c.Kind, strings.Join(domain.ChartKinds, ", "))
		}
		if c.Days < 1 || c.Days > 730 {
			return domain.Errorf(domain.EInvalid, "chart range must be 1 to 730 days")
		}
		if c.Building != "" {
			if _, err := buildingByCode(w.tx, c.Building); err != nil {
				return err
			}
		}
		c.Group = g.ID
		if c.ID == 0 {
			if c.ID, err = kvSeq(w.tx.Bucket(bCharts)); err != nil {
				return err
			}
		} else {
			var old domain.Chart
			found, err := getJSON(w.tx, bCharts, c.ID, &old)
			if err != nil {
				return err
			}
			if !found || !slices.Contains(w.acc.Groups, old.Group) {
				return domain.Errorf(domain.ENotFound, "chart %d not found", c.ID)
			}
		}
		if err := putJSON(w.tx, bCharts, c.ID, c); err != nil {
			return err
		}
		return w.audit("chart", c.ID, c.Name, "save", "", g.Name+" "+c.Kind)
	})
	return c, err
}

func (s *session) DeleteChart(ctx context.Context, id domain.ID) error {
	return s.write(ctx, func(w *txn) error {
		if err := w.acc.Require(domain.MetricsSaveCharts); err != nil {
			return err
		}
		var c domain.Chart
		found, err := getJSON(w.tx, bCharts, id, &c)
		if err != nil {
			return err
		}
		if !found || !slices.Contains(w.acc.Groups, c.Group) {
			return domain.Errorf(domain.ENotFound, "chart %d not found", id)
		}
		if err := kvDel(w.tx.Bucket(bCharts), itob(id)); err != nil {
			return err
		}
		return w.audit("chart", id, c.Name, "delete", c.Kind, "")
	})
}

func (s *session) SaveLayout(ctx context.Context, group string, charts []string) error {
	return s.write(ctx, func(w *txn) error {
		g, err := w.groupForCharts(group, domain.MetricsSaveLayouts)
		if err != nil {
			return err
		}
		known := map[string]bool{}
		if err := w.tx.Bucket(bCharts).ForEach(func(k, v []byte) error {
			var c domain.Chart
			if decJSON(v, &c) == nil && c.Group == g.ID {
				known[c.Name] = true
			}
			return nil
		}); err != nil {
			return err
		}
		for _, n := range charts {
			if !known[n] {
				return domain.Errorf(domain.EInvalid, "group %s has no chart named %q", g.Name, n)
			}
		}
		if err := putJSON(w.tx, bLayouts, g.ID, domain.Layout{Group: g.ID, Charts: charts}); err != nil {
			return err
		}
		return w.audit("chart", g.ID, g.Name, "layout", "", strings.Join(charts, ", "))
	})
}

// Report runs a saved query as a custom report: every matching row.
func (s *session) Report(ctx context.Context, savedQuery domain.ID) ([]domain.TicketRow, error) {
	var q domain.SavedQuery
	err := s.read(func(r *txn) error {
		if err := r.acc.Require(domain.ReportsCustom); err != nil {
			return err
		}
		found, err := getJSON(r.tx, bQueries, savedQuery, &q)
		if err != nil {
			return err
		}
		if !found || q.Owner != r.actor.ID && !slices.Contains(r.acc.Groups, q.Group) {
			return domain.Errorf(domain.ENotFound, "saved query %d not found", savedQuery)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	tq, err := domain.ParseQuery(q.Query)
	if err != nil {
		return nil, err
	}
	page, err := s.Tickets(ctx, tq)
	return page.Tickets, err
}
