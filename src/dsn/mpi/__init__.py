"""Patient identity (master patient index): NAM rules, matching, links and merges."""
