package cli

// jobsCommands are the periodic jobs run on demand; main runs them on the
// data file (store.RunJobs), so run is nil like the other file commands.
func jobsCommands() []*command {
	return []*command{
		{path: "jobs run"},
	}
}
