package moderation

// SetMaxRuleStatsComments lowers RuleStats' bound for one test, which must
// not run in parallel with others that call RuleStats.
func SetMaxRuleStatsComments(n int) (restore func()) {
	old := maxRuleStatsComments
	maxRuleStatsComments = n
	return func() { maxRuleStatsComments = old }
}
