"""Pure zh-TW request parsing: cities, days, pace, interests, must/avoid and follow-up edits."""
