package domain

import (
	"fmt"
	"time"
)

// OnMiss is what a review campaign does at its due date with memberships
// nobody decided (R19): keep them, flag them for the access review, or
// revoke them.
type OnMiss string

const (
	OnMissKeep   OnMiss = "keep"
	OnMissFlag   OnMiss = "flag"
	OnMissRevoke OnMiss = "revoke"
)

// ParseOnMiss reads keep, flag or revoke.
func ParseOnMiss(s string) (OnMiss, error) {
	switch o := OnMiss(s); o {
	case OnMissKeep, OnMissFlag, OnMissRevoke:
		return o, nil
	}
	return "", Errorf(EInvalid, "--on-miss: keep, flag or revoke, not %q", s)
}

// Decision is a reviewer's verdict on one membership.
type Decision string

const (
	DecisionKeep   Decision = "keep"
	DecisionRevoke Decision = "revoke"
)

// ParseDecision reads keep or revoke.
func ParseDecision(s string) (Decision, error) {
	switch d := Decision(s); d {
	case DecisionKeep, DecisionRevoke:
		return d, nil
	}
	return "", Errorf(EInvalid, "decision: keep or revoke, not %q", s)
}

// Review is a campaign: one reviewer confirms or revokes each membership of
// a group by a due date (R19). Members are fixed when it starts.
type Review struct {
	ID           ID        `json:"id"`
	Group        ID        `json:"group"`
	GroupName    string    `json:"group_name"`
	Reviewer     ID        `json:"reviewer"`
	ReviewerName string    `json:"reviewer_name"`
	Due          time.Time `json:"due"`
	OnMiss       OnMiss    `json:"on_miss"`
	StartedBy    string    `json:"started_by"`
	StartedAt    time.Time `json:"started_at"`
	// StartedByID is whose authority the on-miss action acts with, checked
	// when it acts: who started the campaign, or, for one a review
	// interval started (Interval), who set the interval (Group.ReviewSetBy,
	// then also StartedBy). A missed review never revokes what they could
	// not revoke by hand; that is flagged. 0 for campaigns from before it
	// was recorded, whose revocations are all flagged.
	StartedByID ID           `json:"started_by_id,omitempty"`
	Interval    bool         `json:"interval,omitempty"`
	ClosedAt    time.Time    `json:"closed_at,omitzero"` // zero while open
	Items       []ReviewItem `json:"items"`
}

// ReviewItem is one membership under review and what became of it.
type ReviewItem struct {
	User     ID        `json:"user"`
	Username string    `json:"username"`
	Decision Decision  `json:"decision,omitempty"`
	At       time.Time `json:"at,omitzero"`
	Reason   string    `json:"reason,omitempty"`
	// Outcome is what happened at the due date to an undecided item:
	// "kept (missed)", "flagged (missed)", "revoked (missed)" or why a
	// revocation was refused.
	Outcome string `json:"outcome,omitempty"`
}

// Open reports whether the campaign still takes decisions.
func (r *Review) Open() bool { return r.ClosedAt.IsZero() }

// Undecided counts the items without a decision.
func (r *Review) Undecided() int {
	n := 0
	for _, it := range r.Items {
		if it.Decision == "" {
			n++
		}
	}
	return n
}

// Label is "#3 Help Desk by kim, due 2026-12-01".
func (r *Review) Label() string {
	return fmt.Sprintf("#%d %s by %s", r.ID, r.GroupName, r.ReviewerName)
}
