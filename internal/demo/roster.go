package demo

import (
	"strings"

	"gatehouse/domain"
)

// role is what a person does in the sample district; it decides their
// groups, reports-to and which tickets they report or work.
type role uint8

const (
	roleDistrictAdmin role = iota
	roleCoordinator
	roleTechnician
	rolePrincipal
	roleStaff
	roleRestricted
	roleNoGroup
)

// person is one row of the fixed roster. Building is the home building code
// (staff report problems there; principals administer it); Region is the
// region a coordinator or technician covers.
type person struct {
	First, Last string
	Role        role
	Building    string
	Region      string
	Title       string
	User        string // set only when it is not first initial + last name
}

func (p person) username() string {
	if p.User != "" {
		return p.User
	}
	return strings.ToLower(p.First[:1] + p.Last)
}

const (
	regionNorth = "North Region"
	regionSouth = "South Region"
)

// roster is the district's 40 named people, in creation order: managers
// come before the people who report to them.
var roster = []person{
	{"Margaret", "Okafor", roleDistrictAdmin, "ADMIN", "", "Director of Technology", ""},

	{"David", "Reyes", roleCoordinator, "ADMIN", regionNorth, "Technical Coordinator, North", ""},
	{"Priya", "Natarajan", roleCoordinator, "ADMIN", regionSouth, "Technical Coordinator, South", ""},

	{"Jamal", "Carter", roleTechnician, "EAST", regionNorth, "Network Technician", ""},
	{"Emily", "Novak", roleTechnician, "NORTH", regionNorth, "Field Technician", ""},
	{"Luis", "Ortega", roleTechnician, "ADMIN", regionNorth, "Field Technician", ""},
	{"Sofia", "Rossi", roleTechnician, "NORTH", regionNorth, "Help Desk Technician", ""},
	{"Hannah", "Kim", roleTechnician, "HIGH", regionSouth, "Network Technician", ""},
	{"Marcus", "Bell", roleTechnician, "HIGH", regionSouth, "Field Technician", ""},
	{"Tyler", "Brooks", roleTechnician, "SOUTH", regionSouth, "Help Desk Technician", ""},
	{"Aisha", "Rahman", roleTechnician, "WEST", regionSouth, "Field Technician", ""},

	{"Robert", "Hughes", rolePrincipal, "EAST", "", "Principal", ""},
	{"Linda", "Alvarez", rolePrincipal, "WEST", "", "Principal", ""},
	{"James", "Whitaker", rolePrincipal, "NORTH", "", "Principal", ""},
	{"Grace", "Mensah", rolePrincipal, "SOUTH", "", "Principal", ""},
	{"Daniel", "Foster", rolePrincipal, "HIGH", "", "Principal", ""},
	{"Karen", "Walsh", rolePrincipal, "ADMIN", "", "Office Manager", ""},

	{"Jessica", "Smith", roleStaff, "EAST", "", "Teacher", ""},
	{"Michael", "Brown", roleStaff, "EAST", "", "Teacher", ""},
	{"Sarah", "Johnson", roleStaff, "EAST", "", "Reading Specialist", ""},
	{"Christopher", "Lee", roleStaff, "EAST", "", "Office Assistant", ""},
	{"Amanda", "Garcia", roleStaff, "WEST", "", "Teacher", ""},
	{"Matthew", "Wilson", roleStaff, "WEST", "", "Teacher", ""},
	{"Ashley", "Martinez", roleStaff, "WEST", "", "Counselor", ""},
	{"Joshua", "Taylor", roleStaff, "NORTH", "", "Teacher", ""},
	{"Lauren", "Thompson", roleStaff, "NORTH", "", "Library Media Specialist", ""},
	{"Andrew", "Thomas", roleStaff, "NORTH", "", "Teacher", ""},
	{"Nicole", "Jackson", roleStaff, "SOUTH", "", "Teacher", ""},
	{"Ryan", "White", roleStaff, "SOUTH", "", "Teacher", ""},
	{"Megan", "Harris", roleStaff, "SOUTH", "", "Secretary", ""},
	{"Kevin", "Martin", roleStaff, "HIGH", "", "Science Teacher", ""},
	{"Stephanie", "Anderson", roleStaff, "HIGH", "", "Math Teacher", ""},
	{"Brandon", "Moore", roleStaff, "HIGH", "", "Athletic Director", ""},
	{"Eric", "Young", roleStaff, "HIGH", "", "History Teacher (retired)", ""},
	{"Rachel", "Clark", roleStaff, "ADMIN", "", "Payroll Specialist", ""},
	{"Justin", "Lewis", roleStaff, "ADMIN", "", "Transportation Coordinator", ""},
	{"Olivia", "Walker", roleStaff, "ADMIN", "", "HR Generalist", ""},

	{"Peter", "Hall", roleRestricted, "WEST", "", "Substitute Teacher", ""},
	{"Maria", "Lopez", roleRestricted, "HIGH", "", "Contractor (HVAC)", ""},

	{"Natalie", "Wright", roleNoGroup, "SOUTH", "", "New hire, not yet onboarded", ""},
}

// Extra first and last names for generated staff when more users are asked
// for than the roster holds.
var (
	extraFirst = []string{"Anna", "Benjamin", "Carmen", "Diego", "Elena", "Frank", "Gloria", "Henry",
		"Irene", "Jacob", "Kayla", "Leo", "Monica", "Nathan", "Paula", "Quinn", "Rosa", "Samuel",
		"Teresa", "Victor", "Wendy", "Xavier", "Yvonne", "Zachary"}
	extraLast = []string{"Adams", "Baker", "Campbell", "Diaz", "Evans", "Flores", "Gonzalez", "Hill",
		"Irwin", "Jenkins", "King", "Lambert", "Mitchell", "Nguyen", "Owens", "Parker", "Quintero",
		"Roberts", "Sanchez", "Turner", "Underwood", "Vasquez", "Ward", "Xu", "Yates", "Zimmerman"}
)

// building is one site of the district with its rooms and auto-assign rules
// (problem type → technician username).
type building struct {
	Code, Name, Region string
	Rooms              []string
	Rules              [][2]string
	Weight             int // share of the district's tickets
}

var buildings = []building{
	{"EAST", "Eastside Elementary School", regionNorth,
		[]string{"Office", "Library", "Room 101", "Room 102", "Room 103", "Gym"},
		[][2]string{{"Network", "jcarter"}}, 16},
	{"WEST", "Westview Elementary School", regionSouth,
		[]string{"Office", "Library", "Room 1", "Room 2", "Computer Lab"}, nil, 15},
	{"NORTH", "Northridge Middle School", regionNorth,
		[]string{"Office", "Library", "Room 201", "Room 202", "Science Lab", "Band Room", "Cafeteria"},
		[][2]string{{"Hardware", "enovak"}}, 17},
	{"SOUTH", "Southgate Middle School", regionSouth,
		[]string{"Office", "Library", "Room A1", "Room A2", "Computer Lab"},
		[][2]string{{"Software", "tbrooks"}}, 15},
	{"HIGH", "Riverside High School", regionSouth,
		[]string{"Main Office", "Library", "Room 110", "Room 214", "Chemistry Lab", "Auditorium", "Gym", "Computer Lab"},
		[][2]string{{"Hardware", "mbell"}, {"Network", "hkim"}}, 25},
	{"ADMIN", "District Administration Center", regionNorth,
		[]string{"Board Room", "Server Room", "Payroll", "Front Desk"}, nil, 12},
}

// problemTypes are the organization's problem types with their common problems.
var problemTypes = []domain.ProblemType{
	{Name: "Hardware", CommonProblems: []string{"Printer jam", "No power", "Broken screen"}},
	{Name: "Software", CommonProblems: []string{"Won't start", "License"}},
	{Name: "Network", CommonProblems: []string{"No Wi-Fi", "Slow"}},
	{Name: "Account", CommonProblems: []string{"Password reset"}},
	{Name: "Facilities", CommonProblems: []string{"HVAC", "Lighting"}},
}

var priorities = []string{"Low", "Normal", "High", "Urgent"}

// problem holds ticket wording for one common problem; {room} is replaced by
// the ticket's room.
type problem struct {
	Type, Common string
	Weight       int
	Titles       []string
	Details      []string
	Work         []string
}

var problems = []problem{
	{"Hardware", "Printer jam", 12,
		[]string{"Printer jammed in {room}", "Paper jam on the {room} copier", "Copier keeps jamming", "Label printer jams on every job"},
		[]string{"Paper is stuck inside and the display shows an error.", "Happens on every print job since this morning."},
		[]string{"Cleared the jam and replaced the worn pickup roller.", "Removed torn paper from the fuser and ran test pages.", "Reseated the tray guides; printing normally."}},
	{"Hardware", "No power", 8,
		[]string{"Projector has no power in {room}", "Teacher laptop will not power on", "Smartboard dead in {room}", "Document camera not turning on"},
		[]string{"Checked the outlet, it works with other devices.", "Nothing happens when pressing the power button."},
		[]string{"Replaced the failed power adapter.", "Reset the breaker for the ceiling projector.", "Swapped the unit with a loaner and sent the old one for repair."}},
	{"Hardware", "Broken screen", 9,
		[]string{"Cracked Chromebook screen", "Broken monitor in {room}", "Student Chromebook screen flickers", "Lines across the display in {room}"},
		[]string{"Student dropped the device during class.", "Screen went dark halfway through a lesson."},
		[]string{"Replaced the screen panel.", "Replaced the display cable; flicker gone.", "Issued a spare device and filed the warranty claim."}},
	{"Software", "Won't start", 9,
		[]string{"Gradebook app will not start", "Office crashes on launch", "PowerSchool will not open", "Testing browser fails to launch"},
		[]string{"Shows an error and closes right away.", "Started after the latest update."},
		[]string{"Reinstalled the application and cleared its cache.", "Rolled back the faulty update.", "Repaired the user profile; the app starts now."}},
	{"Software", "License", 5,
		[]string{"Adobe license expired", "Need a license for Microsoft Office", "Typing software license count exceeded", "Science simulation asks for an activation key"},
		[]string{"The program says the license is no longer valid.", "New staff member needs access before Monday."},
		[]string{"Assigned a seat from the district license pool.", "Renewed the subscription with the vendor.", "Reclaimed unused seats and reassigned one."}},
	{"Network", "No Wi-Fi", 11,
		[]string{"No Wi-Fi in {room}", "Wi-Fi drops every few minutes in {room}", "Chromebooks cannot join the network", "Guest Wi-Fi not working for visitors"},
		[]string{"Devices show connected without internet.", "Whole classroom lost the connection."},
		[]string{"Rebooted the access point and updated its firmware.", "Replaced the failed access point.", "Fixed the DHCP scope that had run out of addresses."}},
	{"Network", "Slow", 7,
		[]string{"Internet very slow in {room}", "Testing site loading slowly", "Network slow during state testing", "Video streaming buffers in {room}"},
		[]string{"Pages take over a minute to load.", "Worst between second and fourth period."},
		[]string{"Moved the room to a less crowded channel.", "Raised the bandwidth limit for the testing VLAN.", "Found a looping switch port and disabled it."}},
	{"Account", "Password reset", 12,
		[]string{"Password reset for student account", "Locked out of email", "Reset PowerSchool password", "Cannot sign in to the district portal"},
		[]string{"Too many failed attempts locked the account.", "Forgot the password after the break."},
		[]string{"Reset the password and confirmed sign-in.", "Unlocked the account and enrolled MFA.", "Reset the password; user must change it at next sign-in."}},
	{"Facilities", "HVAC", 6,
		[]string{"No heat in {room}", "{room} is too hot", "AC unit leaking in {room}", "Thermostat not responding in {room}"},
		[]string{"Temperature is uncomfortable for students.", "Noise from the vent all day."},
		[]string{"Reset the thermostat schedule.", "Called the HVAC contractor; filter and belt replaced.", "Cleared the condensate line."}},
	{"Facilities", "Lighting", 5,
		[]string{"Lights flickering in {room}", "Burned-out lights in {room}", "Emergency exit light out", "Parking lot lights stay on all day"},
		[]string{"Several fixtures affected.", "Safety concern for evening events."},
		[]string{"Replaced the ballast and tubes.", "Replaced the exit sign battery.", "Adjusted the photocell timer."}},
}

// team is a standard team with its explicit members.
type team struct {
	Name, Description string
	Members           []string
}

var teams = []team{
	{"Help Desk", "First line: takes calls and triages new tickets", []string{"dreyes", "pnatarajan", "srossi", "tbrooks"}},
	{"Network Team", "Wi-Fi, switching and internet access", []string{"jcarter", "hkim"}},
	{"Field Techs", "On-site repairs in every building", []string{"enovak", "lortega", "mbell", "arahman"}},
}
