package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gatehouse/domain"
)

// Report formats (NetResults' Save Group Report Formats, TrackTik's
// region-level report templates). DESIGN's catalog has no privilege of its
// own for them, so saving a group's format needs what saving the group's
// report does: Create Custom Reports (reports.custom) to run reports and
// Save Group Queries (query.save-group) to change what the group shares.

// uncovered lists the regions of a format outside the actor's scope: a
// superuser and a full administrator (R4) cover every region, anyone else
// the regions assigned to them (user set --regions). Buildings alone do
// not cover a region: TrackTik asks for region-level permission.
func (r *txn) uncovered(regions []string) []string {
	if r.acc.Superuser || r.acc.Admin {
		return nil
	}
	var out []string
	for _, reg := range regions {
		if !slices.ContainsFunc(r.actor.Regions, func(x string) bool { return strings.EqualFold(x, reg) }) {
			out = append(out, reg)
		}
	}
	return out
}

// usableFormat says why the actor may not use f, or nil: a member of its
// group (any group, for a superuser) whose scope covers its regions. A
// format of another group is not found, so its name does not leak.
func (r *txn) usableFormat(f *domain.ReportFormat) error {
	if !r.acc.Superuser && !slices.Contains(r.acc.Groups, f.Group) {
		return domain.Errorf(domain.ENotFound, "report format %d not found", f.ID)
	}
	if out := r.uncovered(f.Regions); len(out) > 0 {
		return domain.Errorf(domain.EForbidden, "report format %q is limited to region %s, outside %s's scope: only users assigned those regions use it",
			f.Name, strings.Join(out, ", "), r.actor.Username)
	}
	return nil
}

// formats lists every stored format. The bucket is nil in a read-only file opened before the bucket was
// added (it is made on the first writable open).
func (r *txn) formats() []domain.ReportFormat {
	b := r.tx.Bucket(bFormats)
	if b == nil {
		return nil
	}
	var out []domain.ReportFormat
	_ = b.ForEach(func(k, v []byte) error {
		var f domain.ReportFormat
		if decJSON(v, &f) == nil {
			out = append(out, f)
		}
		return nil
	})
	return out
}

func (r *txn) formatInfo(f domain.ReportFormat) domain.ReportFormatInfo {
	info := domain.ReportFormatInfo{ReportFormat: f, GroupName: "#" + strconv.FormatUint(f.Group, 10)}
	if g, err := getGroup(r.tx, f.Group); err == nil {
		info.GroupName = g.Name
	}
	if u, err := getUser(r.tx, f.Creator); err == nil {
		info.CreatorName = u.Username
	}
	return info
}

func (s *session) ReportFormats(ctx context.Context) ([]domain.ReportFormatInfo, error) {
	var out []domain.ReportFormatInfo
	err := s.read(func(r *txn) error {
		if err := r.acc.Require(domain.ReportsCustom); err != nil {
			return err
		}
		for _, f := range r.formats() {
			if r.usableFormat(&f) == nil {
				out = append(out, r.formatInfo(f))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b domain.ReportFormatInfo) int {
		return strings.Compare(strings.ToLower(a.GroupName+"\x00"+a.Name), strings.ToLower(b.GroupName+"\x00"+b.Name))
	})
	return out, err
}

// canSaveFormats is the privilege check of every format change.
func (w *txn) canSaveFormats() error {
	if err := w.acc.Require(domain.ReportsCustom); err != nil {
		return err
	}
	return w.acc.Require(domain.QuerySaveGroup)
}

// storedFormat loads a format the actor may change.
func (w *txn) storedFormat(id domain.ID) (domain.ReportFormat, error) {
	var f domain.ReportFormat
	if w.tx.Bucket(bFormats) == nil {
		return f, domain.Errorf(domain.ENotFound, "report format %d not found", id)
	}
	found, err := getJSON(w.tx, bFormats, id, &f)
	if err != nil {
		return f, err
	}
	if !found {
		return f, domain.Errorf(domain.ENotFound, "report format %d not found", id)
	}
	return f, w.usableFormat(&f)
}

func formatSummary(f *domain.ReportFormat) string {
	s := strings.Join(f.Columns, ",")
	if f.Sort != "" {
		s += " sort " + f.Sort
		if f.Desc {
			s += " desc"
		}
	}
	if f.GroupBy != "" {
		s += " group by " + f.GroupBy
	}
	if len(f.Regions) > 0 {
		s += " regions " + strings.Join(f.Regions, ",")
	}
	return s
}

func (s *session) SaveReportFormat(ctx context.Context, group string, f domain.ReportFormat) (domain.ReportFormat, error) {
	err := s.write(ctx, func(w *txn) error {
		if err := w.canSaveFormats(); err != nil {
			return err
		}
		g, err := groupByName(w.tx, group)
		if err != nil {
			return err
		}
		if !w.acc.Superuser && !slices.Contains(w.acc.Groups, g.ID) {
			return domain.Errorf(domain.EForbidden, "%s may save report formats only for groups they are in (not %s)", w.actor.Username, g.Name)
		}
		f.Name = strings.TrimSpace(f.Name)
		if err := f.Validate(); err != nil {
			return err
		}
		if err := w.knownRegions(f.Regions); err != nil {
			return err
		}
		if out := w.uncovered(f.Regions); len(out) > 0 {
			return domain.Errorf(domain.EForbidden, "%s cannot limit a report format to region %s: it is outside their scope (only users assigned a region create its report formats)",
				w.actor.Username, strings.Join(out, ", "))
		}
		before := ""
		var changes []domain.FieldChange
		if f.ID != 0 {
			// a replacement is the patch from the stored format to f,
			// based on f's version: a field someone changed since that f
			// changes too is a conflict
			old, err := w.storedFormat(f.ID)
			if err != nil {
				return err
			}
			if err := w.expect("report format", old.Name, old.Rev); err != nil {
				return err
			}
			p := domain.DiffReportFormat(old, f)
			p.Base = f.Version
			f = p.Apply(old)
			if changes, err = w.revise("report format", old.Name, f.ID, &f.Rev, p.Base,
				domain.ReportFormatFields(&old), domain.ReportFormatFields(&f)); err != nil {
				return err
			}
			before = formatSummary(&old)
			f.Creator, f.Created = old.Creator, old.Created
		} else {
			f.Creator, f.Created = w.actor.ID, w.now
			w.created(&f.Rev)
		}
		for _, other := range w.formats() {
			if other.Group == g.ID && other.ID != f.ID && strings.EqualFold(other.Name, f.Name) {
				return domain.Errorf(domain.EConflict, "group %s already has a report format named %q", g.Name, other.Name)
			}
		}
		f.Group = g.ID
		if f.ID == 0 {
			if f.ID, err = kvSeq(w.tx.Bucket(bFormats)); err != nil {
				return err
			}
		}
		if err := putJSON(w.tx, bFormats, f.ID, f); err != nil {
			return err
		}
		return w.auditEvent(domain.AuditEvent{Entity: "report format", EntityID: f.ID, Name: g.Name + "/" + f.Name, Action: "save",
			Before: before, After: formatSummary(&f), Changes: changes})
	})
	return f, err
}

// knownRegions refuses a region no building is in: a typo would make a
// format nobody but administrators can use.
func (w *txn) knownRegions(regions []string) error {
	if len(regions) == 0 {
		return nil
	}
	known := map[string]bool{}
	var names []string
	if err := w.tx.Bucket(bBuildings).ForEach(func(k, v []byte) error {
		var b domain.Building
		if decJSON(v, &b) == nil && b.Region != "" && !known[strings.ToLower(b.Region)] {
			known[strings.ToLower(b.Region)] = true
			names = append(names, b.Region)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, r := range regions {
		if !known[strings.ToLower(r)] {
			slices.Sort(names)
			return domain.Errorf(domain.EInvalid, "no building is in region %q (regions: %s)", r, strings.Join(names, ", "))
		}
	}
	return nil
}

func (s *session) DeleteReportFormat(ctx context.Context, id domain.ID) error {
	return s.write(ctx, func(w *txn) error {
		if err := w.canSaveFormats(); err != nil {
			return err
		}
		f, err := w.storedFormat(id)
		if err != nil {
			return err
		}
		if err := w.expect("report format", f.Name, f.Rev); err != nil {
			return err
		}
		if err := dropFieldRevs(w.tx, "report format", id); err != nil {
			return err
		}
		if err := kvDel(w.tx.Bucket(bFormats), itob(id)); err != nil {
			return err
		}
		name := f.Name
		if g, err := getGroup(w.tx, f.Group); err == nil {
			name = g.Name + "/" + f.Name
		}
		return w.audit("report format", id, name, "delete", formatSummary(&f), "")
	})
}

func (s *session) FormatReport(ctx context.Context, savedQuery, format domain.ID) (domain.ReportTable, error) {
	var f *domain.ReportFormat
	if format != 0 {
		err := s.read(func(r *txn) error {
			if err := r.acc.Require(domain.ReportsCustom); err != nil {
				return err
			}
			var stored domain.ReportFormat
			found := false
			if r.tx.Bucket(bFormats) != nil {
				var err error
				if found, err = getJSON(r.tx, bFormats, format, &stored); err != nil {
					return err
				}
			}
			if !found {
				return domain.Errorf(domain.ENotFound, "report format %d not found", format)
			}
			f = &stored
			return r.usableFormat(f)
		})
		if err != nil {
			return domain.ReportTable{}, err
		}
	}
	rows, err := s.Report(ctx, savedQuery)
	if err != nil {
		return domain.ReportTable{}, err
	}
	return domain.ApplyFormat(rows, f), nil
}

// deleteGroupFormats removes a deleted group's report formats, which no
// one could use any more, and says how many for the group's audit event.
func (w *txn) deleteGroupFormats(group domain.ID) (string, error) {
	n := 0
	for _, f := range w.formats() {
		if f.Group != group {
			continue
		}
		if err := kvDel(w.tx.Bucket(bFormats), itob(f.ID)); err != nil {
			return "", err
		}
		n++
	}
	if n == 0 {
		return "", nil
	}
	return fmt.Sprintf("; %d report formats", n), nil
}
