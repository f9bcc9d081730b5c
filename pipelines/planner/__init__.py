"""Pure trip planning: travel times, rules, selection, day schedules, the plan, its verifier and exports."""
