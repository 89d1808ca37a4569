package domain

import (
	"context"
	"time"
)

// Thread is a discussion thread on a ticket (NetResults Discussion).
type Thread struct {
	ID      ID           `json:"id"`
	Ticket  TicketNumber `json:"ticket"`
	Title   string       `json:"title"`
	Author  ID           `json:"author"`
	Created time.Time    `json:"created"`
}

// Post is one message in a thread; ReplyTo names the message it answers.
type Post struct {
	ID      ID           `json:"id"`
	Thread  ID           `json:"thread"`
	Ticket  TicketNumber `json:"ticket"`
	Author  ID           `json:"author"`
	ReplyTo ID           `json:"reply_to,omitempty"`
	Text    string       `json:"text"`
	Created time.Time    `json:"created"`
	Edited  time.Time    `json:"edited,omitzero"`
}

// Discussion is a ticket's threads with their posts and author names.
type Discussion struct {
	Threads []ThreadView
}

// ThreadView is a thread with its posts, oldest first.
type ThreadView struct {
	Thread
	AuthorName string
	Posts      []PostView
}

// PostView is a post with its author's name.
type PostView struct {
	Post
	AuthorName string
}

// Attachment describes a file stored with a ticket; the content is read
// separately so lists stay cheap.
type Attachment struct {
	ID      ID           `json:"id"`
	Ticket  TicketNumber `json:"ticket"`
	Name    string       `json:"name"`
	MIME    string       `json:"mime"`
	Size    int64        `json:"size"`
	Author  ID           `json:"author"`
	Created time.Time    `json:"created"`
}

// MaxAttachment is the default size limit of one attachment.
const MaxAttachment = 10 << 20

// AlertSettings notify people when a ticket has not changed state for Days
// days (NetResults Alerts).
type AlertSettings struct {
	Ticket  TicketNumber `json:"ticket"`
	Days    int          `json:"days"`
	Users   []ID         `json:"users,omitempty"`
	Groups  []ID         `json:"groups,omitempty"`
	Enabled bool         `json:"enabled"`
	// SentFor is the state change the last alert was about, so one
	// stagnant period alerts once.
	SentFor time.Time `json:"sent_for,omitzero"`
}

// AlertView is alert settings with names, for screens and the CLI.
type AlertView struct {
	AlertSettings
	UserNames  []string
	GroupNames []string
}

// MetricsQuery selects tickets for charts: created in [From, To).
type MetricsQuery struct {
	From     time.Time
	To       time.Time
	Building string
	Type     string
}

// Count is one bar of a bar chart.
type Count struct {
	Label  string
	Open   int
	Closed int
}

// Point is one point of a series over time.
type Point struct {
	Start time.Time
	Value float64
}

// Metrics are the numbers behind the Metrics screen's charts.
type Metrics struct {
	ByBuilding   []Count
	ByTechnician []Count
	ByType       []Count
	Created      []Point // tickets created per week
	Closed       []Point // tickets closed per week
	DaysToClose  []Point // average days to close, per week of closing
	Overdue      []Point // open overdue tickets at the end of each week
	Total        int
}

// Chart is a saved chart of a group (Save Group Charts); a layout is an
// ordered list of chart names (Save Group Chart Layouts).
type Chart struct {
	ID       ID     `json:"id"`
	Group    ID     `json:"group"`
	Name     string `json:"name"`
	Kind     string `json:"kind"` // by-building, by-technician, by-type, created, closed, days-to-close, overdue
	Days     int    `json:"days"` // the range: the last N days
	Building string `json:"building,omitempty"`
	Type     string `json:"type,omitempty"`
}

// ChartKinds lists what a chart can show.
var ChartKinds = []string{"by-building", "by-technician", "by-type", "created", "closed", "days-to-close", "overdue"}

// Layout orders a group's charts on the Home and Metrics screens.
type Layout struct {
	Group  ID       `json:"group"`
	Charts []string `json:"charts"`
}

// CollabService is a ticket's discussion, attachments and alerts.
type CollabService interface {
	Discussion(ctx context.Context, number TicketNumber) (Discussion, error)
	StartThread(ctx context.Context, number TicketNumber, title, text string) (Thread, error)
	PostMessage(ctx context.Context, number TicketNumber, thread ID, replyTo ID, text string) (Post, error)
	EditMessage(ctx context.Context, number TicketNumber, post ID, text string) error
	DeleteMessage(ctx context.Context, number TicketNumber, post ID) error
	DeleteThread(ctx context.Context, number TicketNumber, thread ID) error

	Attachments(ctx context.Context, number TicketNumber) ([]Attachment, error)
	Attach(ctx context.Context, number TicketNumber, name string, data []byte) (Attachment, error)
	AttachmentData(ctx context.Context, number TicketNumber, id ID) (Attachment, []byte, error)
	DeleteAttachment(ctx context.Context, number TicketNumber, id ID) error

	Alerts(ctx context.Context, number TicketNumber) (AlertView, error)
	SetAlerts(ctx context.Context, number TicketNumber, days int, users, groups []string, enabled bool) error
}

// MetricsService is metrics, the groups' saved charts and custom reports.
type MetricsService interface {
	Metrics(ctx context.Context, q MetricsQuery) (Metrics, error)
	Charts(ctx context.Context) ([]Chart, []Layout, error) // the charts and layouts of the actor's groups
	// ChartData computes one saved chart of the actor's groups; Home Page
	// Only users reach their groups' charts this way and no other.
	ChartData(ctx context.Context, id ID) (Metrics, error)
	SaveChart(ctx context.Context, group string, c Chart) (Chart, error)
	DeleteChart(ctx context.Context, id ID) error
	SaveLayout(ctx context.Context, group string, charts []string) error
	// Report runs a saved query as a custom report (Create Custom Reports).
	Report(ctx context.Context, savedQuery ID) ([]TicketRow, error)

	// ReportFormats lists the report formats the actor may use: those of
	// their groups whose regions their scope covers (all, for a superuser).
	ReportFormats(ctx context.Context) ([]ReportFormatInfo, error)
	// SaveReportFormat adds a format to group (f.ID 0) or replaces one:
	// Create Custom Reports and Save Group Queries, membership of the group,
	// and a scope covering every region of the format (before and after).
	SaveReportFormat(ctx context.Context, group string, f ReportFormat) (ReportFormat, error)
	// DeleteReportFormat removes a format the actor could save.
	DeleteReportFormat(ctx context.Context, id ID) error
	// FormatReport runs a saved query as a custom report laid out by a
	// format the actor may use (format 0: every column, the query's order).
	FormatReport(ctx context.Context, savedQuery, format ID) (ReportTable, error)
}
