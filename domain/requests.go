package domain

import (
	"fmt"
	"time"
)

// MaxRequestHours is the longest a requested membership may last: a year.
const MaxRequestHours = 24 * 366

// RequestStatus is where an access request stands (R18).
type RequestStatus string

const (
	RequestPending  RequestStatus = "pending"
	RequestApproved RequestStatus = "approved"
	RequestDenied   RequestStatus = "denied"
)

// AccessRequest is a user's request for a time-boxed membership of a
// requestable group (R18). The membership's clock starts at approval, not
// at the request: an approval the next morning still gives the full hours.
type AccessRequest struct {
	ID          ID            `json:"id"`
	User        ID            `json:"user"`
	Username    string        `json:"username"`
	Group       ID            `json:"group"`
	GroupName   string        `json:"group_name"`
	Hours       int           `json:"hours"`
	Reason      string        `json:"reason"`
	Status      RequestStatus `json:"status"`
	RequestedAt time.Time     `json:"requested_at"`
	DecidedBy   string        `json:"decided_by,omitempty"`
	DecidedAt   time.Time     `json:"decided_at,omitzero"`
	Decision    string        `json:"decision,omitempty"` // the denial's reason
	Until       time.Time     `json:"until,omitzero"`     // the approved membership's end
}

// CheckRequest validates a request against its group's limit.
func CheckRequest(g *Group, hours int, reason string) error {
	if g.RequestHours <= 0 {
		return Errorf(EForbidden, "group %s is not requestable (R18): ask someone who manages it, or have it marked with `gatehouse group requestable`", g.Name)
	}
	if hours <= 0 {
		return Errorf(EInvalid, "--hours: ask for at least one hour")
	}
	if hours > g.RequestHours {
		return Errorf(EInvalid, "--hours: %s can be requested for at most %d hours, not %d", g.Name, g.RequestHours, hours)
	}
	if err := CheckLine("reason", reason); err != nil {
		return err
	}
	if len(reason) < 3 {
		return Errorf(EInvalid, "--reason: say why you need %s", g.Name)
	}
	return nil
}

// Label is "#7 pat → Help Desk for 4h".
func (r *AccessRequest) Label() string {
	return fmt.Sprintf("#%d %s → %s for %dh", r.ID, r.Username, r.GroupName, r.Hours)
}
