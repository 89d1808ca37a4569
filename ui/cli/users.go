package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"gatehouse/domain"
)

func userCommands() []*command {
	return []*command{
		{path: "user list", run: userList},
		{path: "user show", args: "U", min: 1, max: 1, run: userShow},
		{path: "user create", args: "U", opts: "[--first F] [--last L] [--email E] [--phone P] [--restricted] [--superuser] [--password-file F|-]", min: 1, max: 1,
			flags: []flagSpec{{"first", true}, {"last", true}, {"email", true}, {"phone", true}, {"restricted", false}, {"superuser", false}, {"password-file", true}}, run: userCreate},
		{path: "user notify", args: "U", opts: "[--off EVENT,EVENT] [--on EVENT,EVENT]", min: 1, max: 1,
			flags: []flagSpec{{"off", true}, {"on", true}}, run: userNotify},
		{path: "user set", args: "U", opts: "[--first F] [--last L] [--email E] [--phone P] [--kind standard|restricted] [--username NEW] [--reports-to U2|none] [--buildings C,C] [--regions R,R] [--start-screen S] [--superuser|--no-superuser]", min: 1, max: 1,
			flags: []flagSpec{{"first", true}, {"last", true}, {"email", true}, {"phone", true}, {"kind", true}, {"username", true},
				{"reports-to", true}, {"buildings", true}, {"regions", true}, {"start-screen", true}, {"superuser", false}, {"no-superuser", false}}, run: userSet},
		{path: "user join", args: "U G", opts: "[--from YYYY-MM-DD] [--until YYYY-MM-DD] [--reason T]", min: 2, max: 2,
			flags: []flagSpec{{"from", true}, {"until", true}, {"reason", true}}, run: userJoin},
		{path: "user move", args: "U FROM TO", opts: "[--reason T] [--remove-rules]", min: 3, max: 3,
			flags: []flagSpec{{"reason", true}, {"remove-rules", false}}, run: userMove},
		{path: "user leave", args: "U G", opts: "[--remove-rules]", min: 2, max: 2,
			flags: []flagSpec{{"remove-rules", false}}, run: userLeave},
		{path: "user deactivate", args: "U", opts: "[--remove-rules]", min: 1, max: 1,
			flags: []flagSpec{{"remove-rules", false}}, run: userDeactivate},
		{path: "user activate", args: "U", min: 1, max: 1, run: userActivate},
		{path: "user terminate", args: "U [U...]", opts: "--reason T [--reassign-to U2]", min: 1, max: -1, bulk: true,
			flags: []flagSpec{{"reason", true}, {"reassign-to", true}}, required: []string{"reason"}, run: userTerminate},
		{path: "user delete", args: "U", min: 1, max: 1, run: userDelete},
		{path: "user password", args: "U", min: 1, max: 1, run: userPassword},
		{path: "user key add", args: "U FILE.pub|-", min: 2, max: 2, run: keyAdd},
		{path: "user key list", args: "U", min: 1, max: 1, run: keyList},
		{path: "user key remove", args: "U FINGERPRINT", min: 2, max: 2, run: keyRemove},
	}
}

// userJSON is a user as scripts read it.
type userJSON struct {
	Username    string   `json:"username"`
	Name        string   `json:"name"`
	First       string   `json:"first"`
	Last        string   `json:"last"`
	Email       string   `json:"email"`
	Phone       string   `json:"phone"`
	Kind        string   `json:"kind"`
	Status      string   `json:"status"`
	Superuser   bool     `json:"superuser"`
	Technician  bool     `json:"technician"`
	Groups      []string `json:"groups"`
	ReportsTo   string   `json:"reports_to"`
	Buildings   []string `json:"buildings"`
	Regions     []string `json:"regions"`
	StartScreen string   `json:"start_screen"`
	Muted       []string `json:"muted"`
	CanLogIn    bool     `json:"can_log_in"`
	Inactive    string   `json:"inactive"`
	Terminated  string   `json:"terminated"`
	Created     string   `json:"created,omitempty"`
	Version     uint64   `json:"version"`
}

// userShowJSON is a user with memberships and keys.
type userShowJSON struct {
	userJSON
	Memberships []memberJSON `json:"memberships"`
	Keys        []keyJSON    `json:"keys"`
}

// keyJSON is an SSH key as scripts read it.
type keyJSON struct {
	Fingerprint string `json:"fingerprint"`
	Type        string `json:"type"`
	Comment     string `json:"comment"`
	Added       string `json:"added,omitempty"`
}

func toUserJSON(u domain.UserInfo) userJSON {
	return userJSON{Version: u.Version, Username: u.Username, Name: u.Name(), First: u.First, Last: u.Last, Email: u.Email, Phone: u.Phone,
		Kind: u.Kind.String(), Status: u.Status.String(), Superuser: u.Superuser, Technician: u.Technician,
		Groups: list(u.Groups), ReportsTo: u.ReportsTo, Buildings: list(u.Buildings), Regions: list(u.Regions),
		StartScreen: u.StartScreen, Muted: eventList(u.Muted), CanLogIn: u.Inactive == "", Inactive: u.Inactive, Terminated: u.Terminated,
		Created: jsonTime(u.Created)}
}

func toKeyJSON(k domain.SSHKey) keyJSON {
	return keyJSON{Fingerprint: k.Fingerprint, Type: keyType(k.Key), Comment: k.Comment, Added: jsonTime(k.Added)}
}

// keyType is the algorithm of an authorized_keys line ("ssh-ed25519").
func keyType(key string) string {
	t, _, _ := strings.Cut(strings.TrimSpace(key), " ")
	return t
}

func userList(c *call) error {
	page, err := c.svc.Users(c.ctx, domain.UserQuery{})
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := make([]userJSON, 0, len(page.Users))
		for _, u := range page.Users {
			out = append(out, toUserJSON(u))
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(page.Users))
	for _, u := range page.Users {
		status := u.Status.String()
		if u.Superuser {
			status += ", superuser"
		}
		rows = append(rows, []string{u.Username, u.Name(), u.Kind.String(), status, u.GroupColumn(), orDash(u.Email)})
	}
	return c.table([]string{"USERNAME", "NAME", "KIND", "STATUS", "GROUP", "EMAIL"}, rows)
}

func userShow(c *call) error {
	u, err := c.svc.User(c.ctx, c.pos(0))
	if err != nil {
		return err
	}
	ms, err := c.svc.Memberships(c.ctx, u.Username)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := userShowJSON{userJSON: toUserJSON(u), Memberships: []memberJSON{}, Keys: []keyJSON{}}
		for _, m := range ms {
			out.Memberships = append(out.Memberships, toMemberJSON(m))
		}
		for _, k := range u.Keys {
			out.Keys = append(out.Keys, toKeyJSON(k))
		}
		return c.json(out)
	}
	login := "yes"
	if u.Inactive != "" {
		login = "no: " + u.Inactive
	}
	pairs := []string{
		"User", u.Username,
		"Name", u.Name(),
		"Email", orDash(u.Email),
		"Phone", orDash(u.Phone),
		"Kind", u.Kind.String(),
		"Status", u.Status.String(),
		"Superuser", yesNo(u.Superuser),
		"Technician", yesNo(u.Technician),
		"Can log in", login,
		"Groups", u.GroupColumn(),
		"Reports to", orDash(u.ReportsTo),
		"Buildings", orDash(strings.Join(u.Buildings, ", ")),
		"Regions", orDash(strings.Join(u.Regions, ", ")),
		"Start screen", orDash(u.StartScreen),
		"Muted events", orDash(strings.Join(eventList(u.Muted), ", ")),
		"SSH keys", strconv.Itoa(len(u.Keys)),
		"Created", orDash(c.stamp(u.Created)),
	}
	if u.Terminated != "" {
		pairs = append(pairs, "Terminated", u.Terminated)
	}
	if err := c.fields(pairs...); err != nil {
		return err
	}
	if len(ms) == 0 {
		return nil
	}
	fmt.Fprintln(c.out)
	rows := make([][]string, 0, len(ms))
	for _, m := range ms {
		until := c.memberUntil(m)
		rows = append(rows, []string{m.GroupName, until, orDash(m.GrantedBy), orDash(c.stamp(m.GrantedAt)), orDash(m.Reason)})
	}
	return c.table([]string{"MEMBERSHIP", "UNTIL", "GRANTED BY", "GRANTED AT", "REASON"}, rows)
}

func userCreate(c *call) error {
	u := domain.User{Username: c.pos(0), First: c.args.str("first"), Last: c.args.str("last"),
		Email: c.args.str("email"), Phone: c.args.str("phone"), Superuser: c.args.has("superuser")}
	if c.args.has("restricted") {
		u.Kind = domain.KindRestricted
	}
	var created domain.User
	var err error
	if c.args.has("password-file") {
		pw, perr := c.secretFile("password-file")
		if perr != nil {
			return perr
		}
		created, err = c.svc.CreateUserWithPassword(c.ctx, u, pw)
	} else {
		created, err = c.svc.CreateUser(c.ctx, u)
	}
	if err != nil {
		return err
	}
	if c.opts.JSON {
		info, err := c.svc.User(c.ctx, created.Username)
		if err != nil {
			return err
		}
		return c.json(toUserJSON(info))
	}
	return c.result("created %s user %s (no group yet: join one so they can log in)", created.Kind, created.Username)
}

func userSet(c *call) error {
	a := c.args
	if !slices.ContainsFunc([]string{"first", "last", "email", "phone", "kind", "username", "reports-to", "buildings", "regions", "start-screen", "superuser", "no-superuser"}, a.has) {
		return usageErr(c.cmd, "nothing to change: give --first, --last, --email, --phone, --kind, --username, --reports-to, --buildings, --regions, --start-screen, --superuser or --no-superuser")
	}
	info, err := c.svc.User(c.ctx, c.pos(0))
	if err != nil {
		return err
	}
	// one patch of the fields given, applied to the user as stored when
	// the write runs: a concurrent change of any other field stays
	var p domain.UserPatch
	for _, f := range []struct {
		flag string
		set  func(string) *domain.UserPatch
	}{{"first", p.SetFirst}, {"last", p.SetLast}, {"email", p.SetEmail}, {"phone", p.SetPhone}} {
		if a.has(f.flag) {
			f.set(strings.TrimSpace(a.str(f.flag)))
		}
	}
	if a.has("kind") {
		switch k := strings.ToLower(strings.TrimSpace(a.str("kind"))); k {
		case "standard":
			p.SetKind(domain.KindStandard)
		case "restricted":
			p.SetKind(domain.KindRestricted)
		default:
			return domain.Errorf(domain.EInvalid, "--kind %q: expected standard or restricted", a.str("kind"))
		}
	}
	if a.has("username") {
		name := strings.TrimSpace(a.str("username"))
		if name != info.Username && !c.opts.Yes {
			return domain.Errorf(domain.EWarning, "renaming the login %s to %s changes how they sign in (SSH and mail): add --yes to rename", info.Username, name)
		}
		p.SetUsername(name)
	}
	if a.has("reports-to") {
		switch name := strings.TrimSpace(a.str("reports-to")); {
		case name == "" || strings.EqualFold(name, "none"):
			p.SetReportsTo(0)
		default:
			boss, err := c.svc.User(c.ctx, name)
			if err != nil {
				return err
			}
			p.SetReportsTo(boss.ID)
		}
	}
	if a.has("buildings") {
		var ids []domain.ID
		for _, code := range splitList(a.str("buildings")) {
			b, err := c.svc.Building(c.ctx, code)
			if err != nil {
				return err
			}
			ids = append(ids, b.ID)
		}
		p.SetBuildings(ids)
	}
	if a.has("regions") {
		p.SetRegions(splitList(a.str("regions")))
	}
	if a.has("start-screen") {
		p.SetStartScreen(strings.TrimSpace(a.str("start-screen")))
	}
	switch {
	case a.has("superuser") && a.has("no-superuser"):
		return usageErr(c.cmd, "give --superuser or --no-superuser, not both")
	case a.has("superuser"):
		p.SetSuperuser(true)
	case a.has("no-superuser"):
		p.SetSuperuser(false)
	}
	u, err := c.svc.UpdateUser(c.ctx, info.ID, p)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		info, err := c.svc.User(c.ctx, u.Username)
		if err != nil {
			return err
		}
		return c.json(toUserJSON(info))
	}
	return c.result("updated user %s", u.Username)
}

func userJoin(c *call) error {
	j := domain.JoinRequest{Username: c.pos(0), Group: c.pos(1), Reason: c.args.str("reason"), Confirm: c.opts.Yes}
	if c.args.has("until") {
		var err error
		if j.Until, err = c.dateUntil(c.args.str("until")); err != nil {
			return err
		}
	}
	if c.args.has("from") {
		var err error
		if j.From, err = c.dateFrom(c.args.str("from")); err != nil {
			return err
		}
	}
	if err := c.svc.JoinGroup(c.ctx, j); err != nil {
		return err
	}
	msg := fmt.Sprintf("%s joined group %s", j.Username, j.Group)
	if !j.From.IsZero() {
		msg += " from " + j.From.In(c.zone()).Format(domain.DateLayout)
	}
	if !j.Until.IsZero() {
		msg += " " + c.untilText(j.Until)
	}
	return c.result("%s", msg)
}

// memberUntil is a membership's UNTIL column: its end, "expired" and when,
// and for one that starts later "from YYYY-MM-DD" first.
func (c *call) memberUntil(m domain.MemberInfo) string {
	until := c.untilText(m.Until)
	if m.Expired {
		until = "expired " + c.stamp(m.Until)
	}
	if m.Pending {
		until = "from " + m.From.In(c.zone()).Format(domain.DateLayout) + ", " + until
	}
	return until
}

// userMove ends one membership and grants another in one step (one
// transaction, one audit event); the new membership keeps the old one's
// start and end dates. A former technician's auto-assign rules are listed,
// or removed with --remove-rules (R8), as for leave.
func userMove(c *call) error {
	mv := domain.MoveRequest{Username: c.pos(0), From: c.pos(1), To: c.pos(2), Reason: c.args.str("reason"),
		Confirm: c.opts.Yes, RemoveRules: c.args.has("remove-rules")}
	rules, err := c.svc.MoveUser(c.ctx, mv)
	if err != nil {
		return err
	}
	return c.ruleReport(fmt.Sprintf("moved %s from group %s to group %s", mv.Username, mv.From, mv.To), rules, mv.RemoveRules)
}

// userLeave ends a membership; when the user stops being a technician the
// auto-assign rules naming them are listed, or removed with --remove-rules (R8).
func userLeave(c *call) error {
	remove := c.args.has("remove-rules")
	rules, err := c.svc.Leave(c.ctx, c.pos(0), c.pos(1), remove)
	if err != nil {
		return err
	}
	return c.ruleReport(fmt.Sprintf("%s left group %s", c.pos(0), c.pos(1)), rules, remove)
}

func userDeactivate(c *call) error {
	remove := c.args.has("remove-rules")
	rules, err := c.svc.Deactivate(c.ctx, c.pos(0), remove)
	if err != nil {
		return err
	}
	return c.ruleReport("deactivated "+c.pos(0), rules, remove)
}

// ruleReport says what happened and which auto-assign rules still name the
// user, or were removed with them (R8).
func (c *call) ruleReport(msg string, rules []domain.RuleRef, removed bool) error {
	refs := ruleRefs(rules)
	if c.opts.JSON {
		return c.json(struct {
			OK           bool     `json:"ok"`
			Message      string   `json:"message"`
			Rules        []string `json:"rules"`
			RulesRemoved bool     `json:"rules_removed"`
		}{true, msg, refs, removed && len(refs) > 0})
	}
	switch {
	case len(refs) > 0 && removed:
		msg += "; removed auto-assign rules " + strings.Join(refs, ", ")
	case len(refs) > 0:
		msg += "; auto-assign rules still name them: " + strings.Join(refs, ", ") +
			" (remove them with `gatehouse building rule remove C --type TYPE`)"
	}
	_, err := fmt.Fprintln(c.out, msg)
	return err
}

// ruleRefs names rules as "EAST/hardware".
func ruleRefs(rs []domain.RuleRef) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Building+"/"+r.ProblemType)
	}
	return out
}

func userActivate(c *call) error {
	if err := c.svc.Activate(c.ctx, c.pos(0)); err != nil {
		return err
	}
	return c.result("activated %s", c.pos(0))
}

// userTerminate off-boards one user, or several in one transaction (all
// or none: a refusal names its user and nobody is terminated).
func userTerminate(c *call) error {
	reason := strings.TrimSpace(c.args.str("reason"))
	if reason == "" {
		return usageErr(c.cmd, "--reason must say why (it is kept in the history)")
	}
	users := c.args.pos
	var reps []domain.TerminateReport
	if len(users) == 1 {
		rep, err := c.svc.Terminate(c.ctx, users[0], reason, c.args.str("reassign-to"))
		if err != nil {
			return err
		}
		reps = []domain.TerminateReport{rep}
	} else {
		var err error
		if reps, err = c.svc.TerminateUsers(c.ctx, users, reason, c.args.str("reassign-to")); err != nil {
			return err
		}
	}
	labels := func(ns []domain.TicketNumber) []string {
		out := make([]string, 0, len(ns))
		for _, n := range ns {
			out = append(out, c.ticketLabel(n))
		}
		return out
	}
	type terminatedJSON struct {
		OK          bool     `json:"ok"`
		Username    string   `json:"username"`
		Memberships int      `json:"memberships_ended"`
		Rules       []string `json:"rules_removed"`
		Reassigned  []string `json:"reassigned"`
		Unassigned  []string `json:"unassigned"`
	}
	if c.opts.JSON {
		out := make([]terminatedJSON, len(reps))
		for i, rep := range reps {
			out[i] = terminatedJSON{true, users[i], rep.Memberships, ruleRefs(rep.Rules), labels(rep.Reassigned), labels(rep.Unassigned)}
		}
		if len(out) == 1 {
			return c.json(out[0]) // one user keeps the object scripts already read
		}
		return c.json(out)
	}
	for i, rep := range reps {
		fmt.Fprintf(c.out, "terminated %s: deactivated, %d membership(s) ended\n", users[i], rep.Memberships)
		if len(rep.Rules) > 0 {
			fmt.Fprintf(c.out, "removed auto-assign rules: %s\n", strings.Join(ruleRefs(rep.Rules), ", "))
		}
		if len(rep.Reassigned) > 0 {
			fmt.Fprintf(c.out, "reassigned to %s: %s\n", c.args.str("reassign-to"), strings.Join(labels(rep.Reassigned), ", "))
		}
		if len(rep.Unassigned) > 0 {
			fmt.Fprintf(c.out, "unassigned: %s\n", strings.Join(labels(rep.Unassigned), ", "))
		}
	}
	return nil
}

func userDelete(c *call) error {
	if err := c.svc.DeleteUser(c.ctx, c.pos(0)); err != nil {
		return err
	}
	return c.result("deleted user %s", c.pos(0))
}

// keyAdd reads one authorized_keys line from FILE (or stdin for "-"). One
// key per call keeps the change all or nothing.
func keyAdd(c *call) error {
	src := c.pos(1)
	var data []byte
	var err error
	if src == "-" {
		data, err = io.ReadAll(c.opts.Stdin)
		src = "standard input"
	} else {
		data, err = os.ReadFile(src)
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", src, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return domain.Errorf(domain.EInvalid, "%s holds no SSH public key", src)
	}
	pub, comment, _, rest, err := ssh.ParseAuthorizedKey(data)
	if err != nil {
		return domain.Errorf(domain.EInvalid, "%s: no valid SSH public key (expected an authorized_keys line such as \"ssh-ed25519 AAAA... comment\")", src)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		if _, _, _, _, err := ssh.ParseAuthorizedKey(rest); err == nil {
			return domain.Errorf(domain.EInvalid, "%s holds more than one key: add one key at a time", src)
		}
	}
	k := domain.SSHKey{Fingerprint: ssh.FingerprintSHA256(pub),
		Key:     strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))),
		Comment: comment, Added: c.opts.Now()}
	if err := c.svc.AddKey(c.ctx, c.pos(0), k); err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(toKeyJSON(k))
	}
	return c.result("added key %s to %s", k.Fingerprint, c.pos(0))
}

func keyList(c *call) error {
	u, err := c.svc.User(c.ctx, c.pos(0))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		out := make([]keyJSON, 0, len(u.Keys))
		for _, k := range u.Keys {
			out = append(out, toKeyJSON(k))
		}
		return c.json(out)
	}
	rows := make([][]string, 0, len(u.Keys))
	for _, k := range u.Keys {
		rows = append(rows, []string{k.Fingerprint, keyType(k.Key), orDash(k.Comment), orDash(c.stamp(k.Added))})
	}
	return c.table([]string{"FINGERPRINT", "TYPE", "COMMENT", "ADDED"}, rows)
}

func keyRemove(c *call) error {
	if err := c.svc.RemoveKey(c.ctx, c.pos(0), c.pos(1)); err != nil {
		return err
	}
	return c.result("removed key %s from %s", c.pos(1), c.pos(0))
}

// eventList is the events' names, never nil (JSON shows []).
func eventList(evs []domain.Event) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, string(e))
	}
	return out
}

// userNotify turns U's notifications for events off or on (IndusTrack's
// per-user settings): --off mutes events U's groups subscribe them to,
// --on lets them through again; with neither it shows what is muted. A
// user may always change their own; anyone else's needs the rights to
// change that user. The store audits the change.
func userNotify(c *call) error {
	info, err := c.svc.User(c.ctx, c.pos(0))
	if err != nil {
		return err
	}
	u := info.User
	if !c.args.has("off") && !c.args.has("on") {
		if c.opts.JSON {
			return c.json(map[string][]string{"muted": eventList(u.Muted)})
		}
		return c.fields("Muted events", orDash(strings.Join(eventList(u.Muted), ", ")))
	}
	off, err := domain.ParseEvents(c.args.str("off"))
	if err != nil {
		return err
	}
	on, err := domain.ParseEvents(c.args.str("on"))
	if err != nil {
		return err
	}
	for _, e := range off {
		if slices.Contains(on, e) {
			return domain.Errorf(domain.EInvalid, "event %q is both in --off and --on", string(e))
		}
	}
	// each event is its own field: --off new never rewrites the others
	var p domain.UserPatch
	for _, e := range off {
		p.Mute(e, true)
	}
	for _, e := range on {
		p.Mute(e, false)
	}
	if u, err = c.svc.UpdateUser(c.ctx, u.ID, p); err != nil {
		return err
	}
	muted := u.Muted
	if c.opts.JSON {
		return c.json(map[string][]string{"muted": eventList(u.Muted)})
	}
	if len(muted) == 0 {
		return c.result("%s gets every notification their groups subscribe them to", u.Username)
	}
	return c.result("%s no longer gets notifications for: %s", u.Username, strings.Join(eventList(muted), ", "))
}
