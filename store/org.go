package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"
)

func (s *session) Organization(ctx context.Context) (domain.Organization, error) {
	var o domain.Organization
	err := s.read(func(r *txn) error { o = r.org; return nil })
	return o, err
}

// UpdateOrganization saves settings; each part needs its own module, so a
// reporting admin can edit problem types without touching numbering.
func (s *session) UpdateOrganization(ctx context.Context, p domain.OrgPatch) (domain.Organization, error) {
	var o domain.Organization
	err := s.write(ctx, func(w *txn) error {
		before := w.org
		if err := w.expect("organization", before.Name, before.Rev); err != nil {
			return err
		}
		o = p.Apply(before)
		o.NextTicket = before.NextTicket // numbering advances only by reporting
		changes, err := w.revise("org", before.Name, 0, &o.Rev, p.Base, domain.OrgFields(&before), domain.OrgFields(&o))
		if err != nil {
			return err
		}
		if err := domain.ValidateName("organization name", o.Name); err != nil {
			return err
		}
		if err := domain.CheckLine("ticket prefix", o.TicketPrefix); err != nil {
			return err
		}
		if err := domain.CheckLine("time zone", o.TimeZone); err != nil {
			return err
		}
		// days are read in this zone everywhere (domain.Organization.Zone):
		// an unknown name would silently mean UTC
		if _, err := time.LoadLocation(o.TimeZone); err != nil {
			return domain.Errorf(domain.EInvalid, "time zone %q: not a known zone name such as Europe/Berlin or America/Chicago", o.TimeZone)
		}
		for k, v := range o.Extra {
			if err := domain.CheckLine("setting "+domain.Printable(k), k+v); err != nil {
				return err
			}
		}
		var parts []string
		need := func(changed bool, m domain.Module, part string) error {
			if !changed {
				return nil
			}
			parts = append(parts, part)
			return w.acc.RequireLevel(m, domain.LevelEdit)
		}
		if err := need(o.Name != before.Name || o.TimeZone != before.TimeZone || o.OverdueDays != before.OverdueDays ||
			o.RecordVisibility != before.RecordVisibility || !maps.Equal(o.Extra, before.Extra), domain.ModOrganization, "organization"); err != nil {
			return err
		}
		if err := need(fmt.Sprint(o.ProblemTypes) != fmt.Sprint(before.ProblemTypes), domain.ModReporting, "problem types"); err != nil {
			return err
		}
		if err := need(o.TicketPrefix != before.TicketPrefix || !slices.Equal(o.Priorities, before.Priorities), domain.ModAppearance, "numbering and priorities"); err != nil {
			return err
		}
		if len(parts) == 0 {
			return domain.Errorf(domain.EInvalid, "nothing to change")
		}
		if o.OverdueDays < 0 {
			return domain.Errorf(domain.EInvalid, "overdue days cannot be negative")
		}
		if o.TicketPrefix == "" || len(o.TicketPrefix) > 8 || strings.ContainsAny(o.TicketPrefix, " -") {
			return domain.Errorf(domain.EInvalid, "ticket prefix %q: 1 to 8 characters, no spaces or dashes", o.TicketPrefix)
		}
		if len(o.Priorities) == 0 {
			return domain.Errorf(domain.EInvalid, "at least one priority is required")
		}
		if err := uniqueNames("priority", o.Priorities); err != nil {
			return err
		}
		var pts []string
		for _, p := range o.ProblemTypes {
			if err := domain.ValidateName("problem type", p.Name); err != nil {
				return err
			}
			if err := uniqueNames("common problem of "+p.Name, p.CommonProblems); err != nil {
				return err
			}
			pts = append(pts, p.Name)
		}
		if err := uniqueNames("problem type", pts); err != nil {
			return err
		}
		b, err := encJSON(o)
		if err != nil {
			return err
		}
		if err := kvPut(w.tx.Bucket(bOrg), keyOrg, b); err != nil {
			return err
		}
		w.org = o
		return w.auditChanges("org", 0, o.Name, "update "+strings.Join(parts, ", "), changes)
	})
	return o, err
}

func uniqueNames(field string, names []string) error {
	seen := map[string]bool{}
	for _, n := range names {
		if err := domain.ValidateName(field, n); err != nil {
			return err
		}
		if seen[strings.ToLower(n)] {
			return domain.Errorf(domain.EInvalid, "%s %q is listed twice", field, n)
		}
		seen[strings.ToLower(n)] = true
	}
	return nil
}
